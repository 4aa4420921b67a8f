from django.urls import path, re_path

from forums import image_views, notification_views, search_views, views

urlpatterns = [
    path("c/<slug:slug>/new/", views.new_thread, name="new_thread"),
    path("c/<slug:slug>/images/new/", image_views.upload_page, name="upload_image"),
    # The key is the image's only name; forums.markdown.POST_IMAGE_PATH_RE matches these URLs.
    re_path(
        r"^post-images/(?P<key>[0-9a-f]{32})\.webp$", image_views.serve_image, name="post_image"
    ),
    path("c/<slug:slug>/t/<int:thread_id>/", views.thread_detail, name="thread"),
    path("c/<slug:slug>/t/<int:thread_id>/reply/", views.reply, name="thread_reply"),
    path("c/<slug:slug>/t/<int:thread_id>/<slug:verb>/", views.thread_action, name="thread_action"),
    path("posts/<int:post_id>/edit/", views.edit_post, name="edit_post"),
    path("posts/<int:post_id>/history/", views.post_history, name="post_history"),
    path("search/", search_views.search_results, name="search"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/",
        notification_views.notification_open,
        name="notification_open",
    ),
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("posts/<int:post_id>/<slug:verb>/", views.post_action, name="post_action"),
]

from django.urls import path

from forums.moderation.queue import views

urlpatterns = [
    path("c/<slug:slug>/moderation/queue/", views.queue_page, name="moderation_queue"),
    path(
        "c/<slug:slug>/moderation/queue/<int:item_id>/<slug:verb>/",
        views.queue_action,
        name="moderation_queue_action",
    ),
    path("moderation/flag/post/<int:post_id>/", views.flag_post, name="flag_post"),
    path("moderation/flag/thread/<int:thread_id>/", views.flag_thread, name="flag_thread"),
]

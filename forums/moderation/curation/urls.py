from django.urls import path

from forums.moderation.curation import views

urlpatterns = [
    path(
        "c/<slug:slug>/moderation/highlights/",
        views.highlights_page,
        name="moderation_highlights",
    ),
    path(
        "c/<slug:slug>/moderation/highlights/<int:highlight_id>/remove/",
        views.remove_highlight,
        name="moderation_highlight_remove",
    ),
    path(
        "c/<slug:slug>/moderation/feature/<int:thread_id>/",
        views.feature_thread,
        name="moderation_feature",
    ),
    path(
        "c/<slug:slug>/moderation/thread-tags/<int:thread_id>/",
        views.thread_tags,
        name="moderation_thread_tags",
    ),
    path("c/<slug:slug>/moderation/tags/", views.tags_page, name="moderation_tags"),
    path(
        "c/<slug:slug>/moderation/tags/<int:tag_id>/rename/",
        views.rename_tag,
        name="moderation_tag_rename",
    ),
    path(
        "c/<slug:slug>/moderation/tags/<int:tag_id>/delete/",
        views.delete_tag,
        name="moderation_tag_delete",
    ),
]

"""Threads and posts in the Django admin: read-only, for staff to look things up.

Changes go through the site (the actions keep counters, history, events and
the activity log in step).
"""

from django.contrib import admin

from forums.models import Post, PostImage, Thread


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "kind", "state", "post_count", "last_activity_at"]
    list_filter = ["kind", "state", "community"]
    search_fields = ["title"]
    list_select_related = ["community"]


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "author", "created_at", "deleted_at"]
    list_select_related = ["author"]
    raw_id_fields = ["thread", "reply_to"]


@admin.register(PostImage)
class PostImageAdmin(ReadOnlyAdmin):
    list_display = ["key", "community", "owner", "width", "height", "byte_size", "created_at"]
    list_filter = ["community"]
    search_fields = ["key", "owner__username"]
    list_select_related = ["community", "owner"]
    raw_id_fields = ["owner", "post"]

    def has_delete_permission(self, request, obj=None):
        # Deleting the row here would leave its file on disk: removal needs an action.
        return False

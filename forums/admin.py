"""Threads and posts in the Django admin: read-only, for staff to look things up.

Changes go through the site (the actions keep counters, history, events and
the activity log in step).
"""

from django.contrib import admin

from forums.models import Post, Thread


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

"""Social value in the admin: to look, not to change.

Badges, grants, levels and qualities change through the managers' pages and the API
(``badges.actions``), which check permissions and write the activity ledger; the
reputation ledger is append-only. So every model here is read-only in the admin.
"""

from django.contrib import admin

from badges.models import Award, Badge, Endorsement, Level, Quality, Reputation, ReputationEntry


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Badge)
class BadgeAdmin(ReadOnly):
    list_display = ["name", "slug", "community", "kind", "tier", "mode", "rule", "enabled"]
    list_filter = ["kind", "tier", "mode", "enabled"]
    list_select_related = ["community"]
    search_fields = ["name", "slug"]


@admin.register(Award)
class AwardAdmin(ReadOnly):
    list_display = ["badge", "user", "awarded_at", "granted_by", "hidden"]
    list_select_related = ["badge", "user", "granted_by"]
    search_fields = ["user__username", "badge__slug"]


@admin.register(ReputationEntry)
class ReputationEntryAdmin(ReadOnly):
    list_display = ["created_at", "user", "community", "points", "reason", "key"]
    list_filter = ["reason"]
    list_select_related = ["user", "community"]


@admin.register(Reputation)
class ReputationAdmin(ReadOnly):
    list_display = ["user", "community", "points", "rank", "updated_at"]
    list_select_related = ["user", "community"]


@admin.register(Level)
class LevelAdmin(ReadOnly):
    list_display = ["community", "rank", "name", "threshold"]
    list_select_related = ["community"]


@admin.register(Quality)
class QualityAdmin(ReadOnly):
    list_display = ["community", "slug", "name", "position"]
    list_select_related = ["community"]


@admin.register(Endorsement)
class EndorsementAdmin(ReadOnly):
    list_display = ["created_at", "endorser", "endorsee", "community", "quality"]
    list_select_related = ["endorser", "endorsee", "community", "quality"]

"""Django admin for site staff, read-only where a change must go through an action.

A save in the admin would skip the actions' permission checks, events,
signals and activity log, so communities, memberships and invitations are
shown read-only here; staff change them on the community pages or the API.
"""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from community.models import (
    Activity,
    ApiToken,
    Community,
    Invitation,
    Membership,
    Profile,
    ProfileField,
    User,
)

# The admin login goes through allauth's rate limits too.
admin.site.login = secure_admin_login(admin.site.login)


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["display_name", "bio", "language", "avatar"]
    # Avatars are only ever stored re-encoded, through actions.update_profile.
    readonly_fields = ["avatar"]


@admin.register(User)
class MemberAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "email", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "email", "profile__display_name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "state", "joined_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "visibility", "join_policy", "created_at"]
    list_filter = ["kind", "visibility", "join_policy"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]

    # Created and changed on the site ("New community", the community's settings page),
    # through the actions that appoint a manager, re-check open sockets and log.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "state", "joined_at"]
    list_filter = ["role", "state", "community"]
    search_fields = ["user__username", "community__slug"]
    list_select_related = ["user", "community"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Would skip the action that drops the member's streams on open sockets.
        return False


@admin.register(ProfileField)
class ProfileFieldAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "is_public", "position"]
    list_editable = ["position"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "community", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["community", "invited_by"]
    exclude = ["nonce"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Revoke on the community's Invitations page: the action keeps the audit entry.
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would skip the revocation's activity entry: revoke on the site instead.
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "verb", "actor", "community", "target_user"]
    list_filter = ["verb"]
    list_select_related = ["actor", "community", "target_user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # The ledger is append-only: KPIs, audit and reputation are rebuilt from it.
        return False


from community import theme_admin  # noqa: E402, F401  (the brand theme, in its own module)

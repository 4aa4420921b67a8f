"""Visibility, joining and leaving, moderation and management roles, API tokens and
social value: the rules ``community.permissions`` re-exports (read its docstring)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from community.errors import Conflict, Forbidden
from community.models import Community, Membership

Role = Membership.Role
State = Membership.State
Visibility = Community.Visibility
JoinPolicy = Community.JoinPolicy

ROLE_RANK = {Role.MEMBER: 0, Role.MODERATOR: 1, Role.MANAGER: 2}


def is_staff(user):
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def membership_of(user, community):
    """Return the user's Membership in the community, or None. Cached on the community."""
    if not user.is_authenticated:
        return None
    cache = community.__dict__.setdefault("_membership_cache", {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(community=community, user=user).first()
    return cache[user.pk]


def remember_membership(community, user, membership):
    """Record a membership already fetched (by a query or an action) on the community."""
    community.__dict__.setdefault("_membership_cache", {})[user.pk] = membership


def forget_membership(community, user):
    community.__dict__.get("_membership_cache", {}).pop(user.pk, None)


def _active(user, community):
    membership = membership_of(user, community)
    return membership if membership is not None and membership.state == State.ACTIVE else None


def _role_at_least(user, community, role):
    if is_staff(user):
        return True
    membership = _active(user, community)
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[role]


# --- Visibility -------------------------------------------------------------


def can_see_community(user, community):
    """May the user know that the community exists (directory, its home page)?"""
    if community.visibility != Visibility.HIDDEN or is_staff(user):
        return True
    return _active(user, community) is not None


def can_read(user, community):
    """May the user read the community's content (threads, posts, members)?"""
    if is_staff(user):
        return True
    if community.visibility == Visibility.PUBLIC:
        return True
    return _active(user, community) is not None


def suspended_until(user):
    """The end of the user's site-wide suspension, if one runs now (else None)."""
    until = getattr(user, "suspended_until", None)
    return until if until is not None and until > timezone.now() else None


def silenced_until(membership):
    """The end of the membership's silence, if one runs now (else None)."""
    until = membership.silenced_until if membership is not None else None
    return until if until is not None and until > timezone.now() else None


def can_participate(user, community):
    """May the user post, reply, react or vote in the community?

    Not while suspended site-wide or silenced in the community: they read, they do
    not take part (``check_participate`` says until when).
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if is_staff(user):
        return True
    membership = _active(user, community)
    return (
        membership is not None
        and suspended_until(user) is None
        and silenced_until(membership) is None
    )


def filter_visible_communities(user, queryset=None):
    """Narrow communities to those the user may know exist."""
    queryset = Community.objects.all() if queryset is None else queryset
    if is_staff(user):
        return queryset
    visible = ~Q(visibility=Visibility.HIDDEN)
    if user.is_authenticated:
        member = Membership.objects.filter(community=OuterRef("pk"), user=user, state=State.ACTIVE)
        visible |= Q(Exists(member))
    return queryset.filter(visible)


def filter_readable_communities(user, queryset=None):
    """Narrow communities to those whose content the user may read."""
    queryset = Community.objects.all() if queryset is None else queryset
    if is_staff(user):
        return queryset
    readable = Q(visibility=Visibility.PUBLIC)
    if user.is_authenticated:
        member = Membership.objects.filter(community=OuterRef("pk"), user=user, state=State.ACTIVE)
        readable |= Q(Exists(member))
    return queryset.filter(readable)


def check_see_community(user, community):
    if not can_see_community(user, community):
        raise Http404(_("No community found."))


def check_read(user, community):
    check_see_community(user, community)
    if not can_read(user, community):
        raise Forbidden(
            _("This community is private: join it to read its content."), code="not_a_member"
        )


def check_participate(user, community):
    check_see_community(user, community)
    if not user.is_authenticated:
        raise Forbidden(_("Sign in to take part."), code="not_authenticated")
    if can_participate(user, community):
        return
    membership = membership_of(user, community)
    if membership is not None and membership.state == State.ACTIVE:
        until = suspended_until(user)
        if until is not None:
            raise Forbidden(
                _("Your account is suspended until %(date)s: you can read, not take part.")
                % {"date": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")},
                code="suspended",
            )
        until = silenced_until(membership)
        if until is not None:
            raise Forbidden(
                _("You are silenced in this community until %(date)s: you can read, not post.")
                % {"date": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")},
                code="silenced",
            )
    if membership is not None and membership.state == State.BANNED:
        raise Forbidden(_("You are banned from this community."), code="banned")
    if membership is not None and membership.state == State.PENDING:
        raise Forbidden(_("Your request to join is awaiting approval."), code="pending")
    raise Forbidden(_("Join this community to take part."), code="not_a_member")


# --- Joining and leaving ----------------------------------------------------


def allowed(check, *args, **kwargs):
    """A ``can_*`` predicate from its ``check_*``: True unless the check refuses."""
    try:
        check(*args, **kwargs)
    except (PermissionDenied, Http404, Conflict):
        return False
    return True


def can_join(user, community, *, invitation=None):
    return allowed(check_join, user, community, invitation=invitation)


def check_join(user, community, *, invitation=None):
    """Raise unless the user may join (or ask to join) now.

    ``invitation`` is a usable Invitation to this community, if the user
    holds one; it opens invite-only and hidden communities and skips approval.
    """
    if invitation is None:
        check_see_community(user, community)
    if not user.is_authenticated:
        raise Forbidden(_("Sign in to join a community."), code="not_authenticated")
    membership = membership_of(user, community)
    if membership is not None:
        if membership.state == State.BANNED:
            raise Forbidden(_("You are banned from this community."), code="banned")
        raise Conflict(
            _("You are already a member of this community.")
            if membership.state == State.ACTIVE
            else _("Your request to join is already awaiting approval."),
            code="already_member",
        )
    if invitation is not None or is_staff(user):
        return
    if community.join_policy == JoinPolicy.INVITE:
        raise Forbidden(_("This community is by invitation only."), code="invitation_required")


def can_leave(user, community):
    membership = membership_of(user, community)
    return membership is not None and membership.state in (State.ACTIVE, State.PENDING)


def check_leave(user, community):
    check_see_community(user, community)
    membership = membership_of(user, community)
    if membership is None or membership.state == State.BANNED:
        # A ban is not left by leaving: the banned stay banned.
        raise Forbidden(_("You are not a member of this community."), code="not_a_member")


# --- Moderation and management ----------------------------------------------


def can_moderate(user, community):
    """Approve requests, ban members, curate content."""
    return _role_at_least(user, community, Role.MODERATOR)


def can_manage(user, community):
    """Edit settings, invite, appoint moderators and managers."""
    return _role_at_least(user, community, Role.MANAGER)


def can_create_community(user):
    return is_staff(user)


def check_create_community(user):
    if not can_create_community(user):
        raise Forbidden(_("Only site staff can create communities."))


def check_moderate(user, community):
    check_see_community(user, community)
    if not can_moderate(user, community):
        raise Forbidden(_("Only this community's moderators can do this."))


def can_view_moderation(user, community):
    """The moderation page and the ``moderation:<slug>`` stream (requests, flags, alerts)."""
    return allowed(check_view_moderation, user, community)


def check_view_moderation(user, community):
    check_moderate(user, community)


def check_manage(user, community):
    check_see_community(user, community)
    if not can_manage(user, community):
        raise Forbidden(_("Only this community's managers can do this."))


def check_invite(user, community):
    check_manage(user, community)


def _actor_outranks(actor, community, target):
    """A moderator acts on members; a manager on moderators and members too."""
    if is_staff(actor):
        return True
    membership = _active(actor, community)
    if membership is None:
        return False
    if membership.role == Role.MANAGER:
        return target.role != Role.MANAGER
    return membership.role == Role.MODERATOR and target.role == Role.MEMBER


def check_review_request(actor, community, target):
    """Approve or refuse a pending request."""
    check_moderate(actor, community)
    if target.state != State.PENDING:
        raise Forbidden(_("There is no pending request from this member."), code="not_pending")


def check_ban(actor, community, target):
    """Ban ``target`` (a Membership, or an unsaved one for a non-member)."""
    check_moderate(actor, community)
    if target.user_id == actor.pk:
        raise Forbidden(_("You cannot ban yourself."), code="self")
    if is_staff(target.user):
        raise Forbidden(_("Site staff cannot be banned."), code="staff")
    if not _actor_outranks(actor, community, target):
        raise Forbidden(_("Only a manager can ban a moderator or a manager."), code="rank")


def can_ban(actor, community, target):
    """For the members page's Ban button: exactly what ``check_ban`` lets through."""
    return allowed(check_ban, actor, community, target)


def check_unban(actor, community, target):
    check_moderate(actor, community)
    if target.state != State.BANNED:
        raise Forbidden(_("This member is not banned."), code="not_banned")


def check_set_role(actor, community, target, role):
    """Managers appoint moderators and managers; only staff demote a manager.

    Otherwise one manager could demote another and then ban them, which a
    direct ban (``check_ban``) refuses.
    """
    check_manage(actor, community)
    if target.state != State.ACTIVE:
        raise Forbidden(_("Only active members can be given a role."), code="not_active")
    if is_staff(actor):
        return
    if target.user_id == actor.pk:
        raise Forbidden(_("You cannot change your own role."), code="self")
    if target.role == Role.MANAGER:
        raise Forbidden(_("Only site staff can change a manager's role."), code="rank")


def can_set_role(actor, community, target, role=None):
    """For the members page's role selector: what ``check_set_role`` lets through."""
    return allowed(check_set_role, actor, community, target, role)


def can_view_members(user, community):
    return can_read(user, community)


def can_view_requests(user, community):
    """Pending requests and bans are for moderators."""
    return can_moderate(user, community)


def check_view_requests(user, community):
    check_see_community(user, community)
    if not can_view_requests(user, community):
        raise Forbidden(_("Only this community's moderators can see requests and bans."))


def can_ask_to_join(user, community):
    """Offer a join button: to whoever may join, and to visitors who could after signing in."""
    if not user.is_authenticated:
        return can_see_community(user, community) and community.join_policy != JoinPolicy.INVITE
    return can_join(user, community)


def can_edit_profile(actor, owner):
    """Change ``owner``'s profile: themselves, and site staff for anyone."""
    return actor.pk == owner.pk or is_staff(actor)


def check_edit_profile(actor, owner):
    if not can_edit_profile(actor, owner):
        raise Forbidden(_("You can only edit your own profile."))


def can_see_profile_field(viewer, owner, field):
    """Staff-defined profile fields are public, or shown to their owner and staff only."""
    return (
        field.is_public or (viewer.is_authenticated and viewer.pk == owner.pk) or is_staff(viewer)
    )


# --- API tokens -----------------------------------------------------------------


def can_create_api_token(user):
    """Create one's own bearer token: site staff and community managers (DESIGN.md).

    Other members get theirs from the site operator (``manage.py create_api_token``).
    """
    return is_staff(user) or (
        user.is_authenticated
        and user.is_active
        and Membership.objects.filter(user=user, role=Role.MANAGER, state=State.ACTIVE).exists()
    )


def check_create_api_token(user):
    if not can_create_api_token(user):
        raise Forbidden(
            _("Only community managers and site staff can create API tokens."),
            code="token_creation_forbidden",
        )


def can_issue_api_token(actor, owner):
    """Issue a token to ``owner`` on the operator's path (``actions.create_api_token``):
    to oneself, or by site staff to anyone. Members ask through ``check_create_api_token``.
    """
    return actor.pk == owner.pk or is_staff(actor)


def check_issue_api_token(actor, owner):
    if not can_issue_api_token(actor, owner):
        raise Forbidden(_("Only site staff can create tokens for other members."))


def can_manage_api_tokens_of(viewer, owner):
    """List and revoke ``owner``'s tokens: the owner, and site staff for anyone's."""
    return viewer.is_authenticated and (viewer.pk == owner.pk or is_staff(viewer))


def check_manage_api_tokens_of(viewer, owner):
    if not can_manage_api_tokens_of(viewer, owner):
        raise Forbidden(_("Only site staff can see or revoke other members' tokens."))


# --- Social value (the badges app's objects build on these) -------------------


def check_manage_badges(user, community=None):
    """Create, preview and enable badges, grant and revoke them by hand, set the levels
    and the qualities to endorse: a community's managers for their community, site
    staff for site-wide badges."""
    if community is None:
        if not is_staff(user):
            raise Forbidden(_("Only site staff can manage site-wide badges."))
        return
    check_manage(user, community)


def can_manage_badges(user, community=None):
    return allowed(check_manage_badges, user, community)


def check_endorse(actor, community, target):
    """Endorse a member's quality: both active members of the community, never oneself."""
    check_see_community(actor, community)
    if not actor.is_authenticated:
        raise Forbidden(_("Sign in to take part."), code="not_authenticated")
    if target.pk == actor.pk:
        raise Forbidden(_("You cannot endorse yourself."), code="self_endorsement")
    if _active(actor, community) is None:
        raise Forbidden(_("Only members of this community can endorse."), code="not_a_member")
    if _active(target, community) is None:
        raise Forbidden(
            _("You can only endorse members of a community you share."), code="not_co_member"
        )


def can_endorse(actor, community, target):
    return allowed(check_endorse, actor, community, target)

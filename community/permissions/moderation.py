"""Moderation's rules: sanctions and the audit log, customer care, flags and the review
queue, curation, prevention (``community.permissions`` re-exports them)."""

from django.utils.translation import gettext as _

from community.errors import Forbidden
from community.permissions.base import (
    _active,
    allowed,
    can_manage,
    can_moderate,
    check_ban,
    check_manage,
    check_moderate,
    check_participate,
    check_read,
    check_view_moderation,
    is_staff,
)

# --- Sanctions, audit log, notes (moderation part S) ----------------------------


def check_sanction(actor, community, target):
    """Silence, warn or ban ``target`` (a Membership, or an unsaved one for a non-member):
    as a ban (``check_ban``): moderators on members, managers on moderators too, staff on
    anyone but staff; nobody on themselves."""
    check_ban(actor, community, target)


def can_sanction(actor, community, target):
    return allowed(check_sanction, actor, community, target)


def check_suspend(actor, user):
    """Suspend (or lift a suspension of) someone site-wide: site staff only, never staff."""
    if not is_staff(actor):
        raise Forbidden(_("Only site staff can suspend an account."), code="not_staff")
    if user.pk == actor.pk:
        raise Forbidden(_("You cannot suspend yourself."), code="self")
    if is_staff(user):
        raise Forbidden(_("Site staff cannot be suspended."), code="staff")


def can_suspend(actor, user):
    return allowed(check_suspend, actor, user)


def check_moderator_notes(user, community):
    """Read and write the private notes on members: the community's moderators and staff."""
    check_moderate(user, community)


def check_view_audit(user, community):
    """The community's audit log (API, page, CSV): its moderators and staff."""
    check_moderate(user, community)


def can_view_audit(user, community):
    return allowed(check_view_audit, user, community)


# --- Customer care (moderation part C2) -------------------------------------------


def check_view_waiting(user, community):
    """The waiting questions (page, API) and their timers: moderators and staff."""
    check_view_moderation(user, community)


def can_view_waiting(user, community):
    return allowed(check_view_waiting, user, community)


def check_configure_response(user, community):
    """The first-response target, business hours and responders: managers and staff."""
    check_manage(user, community)


def check_take_duty(user, community):
    """Going on (or off) duty for the community's alerts: its moderators and staff."""
    check_moderate(user, community)


def check_expert_opt_in(user, community):
    """Asking to be offered new questions live: an active member who is an expert there."""
    from community import expertise

    check_participate(user, community)
    if not expertise.is_expert(community, user.pk):
        raise Forbidden(
            _("Only this community's experts (by level or badge) can take questions live."),
            code="not_expert",
        )


def can_expert_opt_in(user, community):
    return allowed(check_expert_opt_in, user, community)


# --- Flags and the review queue (forums.moderation.queue) -----------------------


def check_flag(user, community, author_id):
    """Flag a post or thread written by ``author_id``: whoever may read and take part
    (an active member, or staff), never on their own content."""
    check_participate(user, community)
    if author_id is not None and author_id == user.pk:
        raise Forbidden(_("You cannot flag your own content."), code="own_content")


def can_flag(user, community, author_id):
    return allowed(check_flag, user, community, author_id)


def check_handle_queue(user, community):
    """See the review queue and claim, approve or reject its items: moderators and staff."""
    check_moderate(user, community)


def can_handle_queue(user, community):
    return allowed(check_handle_queue, user, community)


def check_configure_queue(user, community):
    """The queue's settings (hiding threshold, claim duration): managers and staff."""
    check_manage(user, community)


# --- Curation (highlights, tags, similar threads) ---------------------------------


def can_curate(user, community):
    """Feature highlights and set threads' tags: the community's moderators and staff."""
    return can_moderate(user, community)


def check_curate(user, community):
    check_moderate(user, community)


def can_manage_tags(user, community):
    """Keep the community's list of tags: its managers and staff."""
    return can_manage(user, community)


def check_manage_tags(user, community):
    check_manage(user, community)


def check_open_similar(user, community):
    """Record that a member opened a suggested thread: signed in, and may read it."""
    check_read(user, community)
    if not user.is_authenticated:
        raise Forbidden(_("Sign in to take part."), code="not_authenticated")


# --- Moderation: prevention (trust, watched words) ----------------------------------


def check_set_trust(actor, community, target):
    """Promote or demote a member: the community's moderators, never about themselves
    nor about someone who moderates it (they are never limited anyway)."""
    check_moderate(actor, community)
    if _active(target, community) is None:
        raise Forbidden(_("This person is not a member of this community."), code="not_a_member")
    if can_moderate(target, community):
        raise Forbidden(_("Moderators and managers are never limited."), code="not_limited")


def can_edit_watched_words(user, community):
    return is_staff(user) if community is None else can_manage(user, community)


def check_edit_watched_words(user, community):
    """A community's list: its managers; the site-wide list (``community`` None): staff."""
    if community is None:
        if not is_staff(user):
            raise Forbidden(_("Only site staff can edit the site-wide watched words."))
        return
    check_manage(user, community)

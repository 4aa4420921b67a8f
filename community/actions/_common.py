"""What every membership change shares: its transaction and lock, and what follows it.

``_membership_change`` serialises changes per community; ``_announce`` and
``_announce_removed`` keep the member count and publish the events after commit
(other apps hear of the change through its activity entry). Used by
``memberships`` and ``communities`` (a new community's creator becomes its first
member).
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions
from community.errors import Forbidden
from community.models import Community, Membership
from community.payloads import membership_data
from realtime import publish

State = Membership.State


def _after_commit(community, user, membership, **change):
    """Count the change; once committed, drop the streams the user lost and forget the
    membership this process cached.

    Other apps hear of the change through its activity entry (``community.activity``).
    """
    # Every membership change passes here inside its transaction: so it is counted here,
    # by construction, whatever the verb.
    _count_members(community, change["previous_state"], membership and membership.state)
    publish.access_changed_on_commit(user.pk)
    transaction.on_commit(lambda: permissions.forget_membership(community, user))


def _count_members(community, previous_state, state):
    """Keep ``community.member_count`` (active memberships) as a membership goes from
    ``previous_state`` to ``state`` (None: no membership).

    Inside the change's transaction, under the community's row lock that
    ``_membership_change`` takes (a new community's row is its creator's until commit),
    as an F() expression: the count moves with the rows, or not at all.
    """
    delta = (state == State.ACTIVE) - (previous_state == State.ACTIVE)
    if delta:
        Community.objects.filter(pk=community.pk).update(member_count=F("member_count") + delta)
        if "member_count" in vars(community):  # loaded (not deferred): keep it in step
            community.member_count += delta


def _announce(membership, **change):
    """After commit: tell the member and drop the streams they lost.

    A person banned from a hidden community they never belonged to is not told:
    that would reveal the community to them.
    """
    community, user = membership.community, membership.user
    is_new = change["previous_state"] is None
    if not is_new or community.visibility != Community.Visibility.HIDDEN:
        publish.send_event_on_commit(
            f"me:{user.pk}", "membership.changed", membership_data(membership)
        )
    if membership.state == State.PENDING and is_new:
        publish.send_event_on_commit(
            f"moderation:{community.slug}", "membership.requested", membership_data(membership)
        )
    _after_commit(community, user, membership, **change)


def _announce_removed(community, user, **change):
    data = {"community": community.slug, "username": user.username, "state": "none"}
    publish.send_event_on_commit(f"me:{user.pk}", "membership.removed", data)
    _after_commit(community, user, None, **change)


@contextmanager
def _membership_change(community, *users):
    """One transaction per membership change, serialised per community.

    Locks the community row first, so that two changes to its memberships
    (two managers demoting each other, a last manager leaving while another
    is demoted) queue instead of both passing their checks. The memberships
    of ``users`` (actor and target) are then read again under that lock:
    what a page cached before the transaction must not decide. On failure
    the cache is dropped, so no rolled-back membership lingers on the object.
    """
    try:
        with transaction.atomic():
            Community.objects.select_for_update().filter(pk=community.pk).first()
            for user in users:
                if user.is_authenticated:
                    _locked_membership(community, user)
            yield
    except BaseException:
        for user in users:
            if user.is_authenticated:
                permissions.forget_membership(community, user)
        # The count this object was kept at may be rolled back: read it again when asked.
        community.__dict__.pop("member_count", None)
        raise


def _locked_membership(community, user):
    """The membership row, locked until commit, also kept as the cached one."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("community", "user")
        .filter(community=community, user=user)
        .first()
    )
    if membership is not None:
        membership.community = community
    permissions.remember_membership(community, user, membership)
    return membership


def _target(community, user):
    membership = permissions.membership_of(user, community)
    if membership is None:
        raise Forbidden(_("This person is not a member of this community."), code="not_a_member")
    return membership


def _iso(value):
    return value.isoformat() if value is not None else None


def _future(until, field):
    """An end date must lie ahead (a sanction that is already over sanctions nothing)."""
    if until is not None and until <= timezone.now():
        raise ValidationError({field: _("Choose an end date in the future.")})


def _lift_when_due(membership_id, due, lift):
    """The worker's side of an end date (a ban's, a silence's): under the membership's
    lock, ``lift(locked)`` if ``due(locked)`` still holds. True if lifted."""
    membership = (
        Membership.objects.select_related("community", "user").filter(pk=membership_id).first()
    )
    if membership is None:
        return False
    with _membership_change(membership.community, membership.user):
        locked = permissions.membership_of(membership.user, membership.community)
        if locked is None or not due(locked):
            return False
        locked.community, locked.user = membership.community, membership.user
        lift(locked)
    return True

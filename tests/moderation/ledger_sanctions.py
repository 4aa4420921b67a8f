"""Every verb the sanctions part declares (or gave new paths to), through its actions:
called by the integrator's tests/test_domain_events.py."""

from datetime import timedelta

from django.utils import timezone

from community import actions
from forums.moderation.sanctions import actions as sanctions
from forums.moderation.sanctions.expiry import lift_expired


def every_sanctions_action(staff, make_user, club):
    member = make_user()
    actions.join(member, club)
    soon = timezone.now() + timedelta(hours=1)
    actions.silence(staff, club, member, until=soon, reason="calm")  # membership.silenced
    actions.unsilence(staff, club, member, reason="ok")  # membership.unsilenced
    sanctions.warn(staff, club, member, text="Mind the rules")  # member.warned
    sanctions.add_note(staff, club, member, text="Seen twice")  # member.noted
    actions.suspend(staff, member, until=soon, reason="abuse")  # user.suspended
    actions.unsuspend(staff, member)  # user.unsuspended
    actions.ban(staff, club, member, until=soon, reason="spam")  # membership.banned
    actions.unban(staff, club, member)  # membership.unbanned
    # And the worker's liftings at the end date (entries without an actor).
    other = make_user()
    actions.join(other, club)
    actions.silence(staff, club, other, until=soon)
    actions.ban(staff, club, member, until=soon)
    lift_expired(soon + timedelta(minutes=1))

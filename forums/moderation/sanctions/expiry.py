"""Lifting the sanctions that reached their end date (bans, silences, suspensions).

The moderation clock (``forums.moderation.care.clock``) calls ``lift_expired(now)`` every
minute on the background worker; each lifting is its own transaction and entry
(``expired: true``, no actor), re-checked under lock so that a moderator's change made
meanwhile wins. Nothing reads an end date to lift it on a page load: until the clock
passes, ``community.permissions`` already ignores a silence or suspension that is over.
"""

from django.utils import timezone

from community.actions import memberships, sanctions
from community.models import Membership, User

BATCH = 500


def lift_expired(now=None):
    """Lift every ban, silence and suspension whose end date is at or before ``now``.

    Returns how many of each were lifted: ``{"bans": n, "silences": n, "suspensions": n}``.
    """
    now = now or timezone.now()
    bans = Membership.objects.filter(
        state=Membership.State.BANNED, banned_until__isnull=False, banned_until__lte=now
    ).values_list("pk", flat=True)[:BATCH]
    silences = Membership.objects.filter(
        silenced_until__isnull=False, silenced_until__lte=now
    ).values_list("pk", flat=True)[:BATCH]
    suspensions = User.objects.filter(
        suspended_until__isnull=False, suspended_until__lte=now
    ).values_list("pk", flat=True)[:BATCH]
    return {
        "bans": sum(memberships.lift_expired_ban(pk, now) for pk in list(bans)),
        "silences": sum(sanctions.lift_expired_silence(pk, now) for pk in list(silences)),
        "suspensions": sum(sanctions.lift_expired_suspension(pk, now) for pk in list(suspensions)),
    }

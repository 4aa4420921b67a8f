"""What every page's chrome needs from moderation, cached per member:

- ``MODERATION_CHROME.notices``: the member's unread notices (the user menu's count);
- ``MODERATION_CHROME.invite``: a moderator, manager or staff member without an
  authenticator app (the banner inviting them to enrol).

Every page shows them, so they are read once (one query) and cached per member, and
dropped when a notice of theirs is written or read, an authenticator of theirs is added
or removed, or their role changes (``drop``); the notices' count of ``GET /me`` reads
the same cache.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.functional import SimpleLazyObject

from community.models import Membership, User

CACHE_SECONDS = 600
NOBODY = {"notices": 0, "invite": False}


def _key(user_id):
    return f"moderation:chrome:v1:{user_id}"


def _load(user_id):
    from allauth.mfa.models import Authenticator

    staffing = Membership.objects.filter(
        user=OuterRef("pk"),
        state=Membership.State.ACTIVE,
        role__in=(Membership.Role.MODERATOR, Membership.Role.MANAGER),
    )
    row = (
        User.objects.filter(pk=user_id)
        .annotate(
            unread=Count("moderation_notices", filter=Q(moderation_notices__read_at=None)),
            staffing=Exists(staffing),
            enrolled=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
        )
        .values("unread", "staffing", "enrolled", "is_staff", "is_superuser")
        .first()
    )
    if row is None:
        return NOBODY
    moderates = row["staffing"] or row["is_staff"] or row["is_superuser"]
    return {"notices": row["unread"], "invite": bool(moderates and not row["enrolled"])}


def chrome_state(user):
    if user is None or not user.is_authenticated:
        return NOBODY
    key = _key(user.pk)
    state = cache.get(key)
    if state is None:
        state = _load(user.pk)
        cache.set(key, state, CACHE_SECONDS)
    return state


def drop(user_id):
    """Forget the member's cached chrome, now and once the writing transaction commits."""
    key = _key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def context(request):
    user = getattr(request, "user", None)
    return {"MODERATION_CHROME": SimpleLazyObject(lambda: chrome_state(user))}


def _drop_for_authenticator(sender, instance, **kwargs):
    drop(instance.user_id)


def _drop_for_membership(entry):
    if entry.target_user_id is not None:
        drop(entry.target_user_id)


def connect():
    """Drop a member's chrome when their authenticators or roles change (from ready())."""
    from allauth.mfa.models import Authenticator
    from django.db.models.signals import post_delete, post_save

    from community import activity

    for signal in (post_save, post_delete):
        signal.connect(
            _drop_for_authenticator, sender=Authenticator, dispatch_uid="moderation-chrome-mfa"
        )
    activity.connect(
        ("membership.role_changed", "membership.banned", "membership.removed", "membership.left"),
        _drop_for_membership,
    )

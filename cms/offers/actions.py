"""Revealing an offer's promo code, and filling its pool of unique codes.

A member reveals an offer's code once: the reveal (``OfferReveal``) records who and
when, and every later reveal answers the same code, even after the offer ended (the
member has seen it already). A shared code may be revealed by at most
``quantity_limit`` members; a unique code goes to one member for good, never twice,
never beyond the pool, whatever the concurrency:

- a free code is taken with ``SELECT ... FOR UPDATE SKIP LOCKED``, so that members
  racing for codes each lock a different one instead of queueing on the first;
- the unique constraints are the backstop: one code per (offer, member), one reveal
  per (offer, member); a member racing himself loses to his own first request and is
  answered its code.
"""

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cms import gating
from cms.models import OfferCode, OfferPage, OfferReveal
from cms.offers import counts
from community import activity
from community.errors import Conflict, Forbidden

UNIQUE = OfferPage.Codes.UNIQUE
SHARED = OfferPage.Codes.SHARED
IMPORT_BATCH = 1000


def reveal(user, offer):
    """Reveal ``offer``'s code to ``user`` and return the ``OfferReveal``.

    ``offer`` is an ``OfferPage`` (its audience rules prefetched or not). Raises
    ``Http404`` if the offer is not live or ``user`` may not even know of it,
    ``Forbidden`` (``not_authenticated``, ``not_in_audience``) if they may only see its
    teaser, ``Conflict`` (``not_yet_valid``, ``expired``, ``sold_out``) if there is no
    code for them now. A member who revealed the code before gets the same reveal.
    """
    if not (user.is_authenticated and user.is_active):
        raise Forbidden(_("Sign in to reveal this offer's code."), code="not_authenticated")
    found = gating.check(user, offer)
    if not found.met:
        raise Forbidden(_not_in_audience(found.hints), code="not_in_audience")
    earlier = OfferReveal.objects.filter(offer=offer, user=user).first()
    if earlier is not None:
        return earlier
    _check_valid_now(offer)
    with transaction.atomic():
        if offer.code_mode == UNIQUE:
            revealed = _reveal_unique(user, offer)
        else:
            revealed = _reveal_shared(user, offer)
        if revealed.pk is None:  # lost a race against their own earlier request
            return revealed.earlier
        activity.record(
            "offer.revealed",
            actor=user,
            community=gating.kpi_community(offer),
            obj=offer,
            mode=offer.code_mode,
        )
    return revealed


# How many more may reveal it (``cms.offers.counts``, where the page's context reads it).
remaining = counts.remaining


def import_codes(actor, offer, codes):
    """Add ``codes`` (strings, already cleaned: ``cms.forms.parse_codes``) to ``offer``'s
    pool; those already in it are skipped. Only an editor of the page may. Returns
    ``(added, skipped)``."""
    if not gating.can_edit(actor, offer):
        raise Forbidden(_("You may not change this offer's codes."), code="not_editor")
    codes = list(dict.fromkeys(codes))
    with transaction.atomic():
        # Two imports into one pool at once would miscount each other's codes.
        _lock_offer(offer)
        before = OfferCode.objects.filter(offer=offer).count()
        now = timezone.now()
        OfferCode.objects.bulk_create(
            [OfferCode(offer_id=offer.pk, code=code, created_at=now) for code in codes],
            batch_size=IMPORT_BATCH,
            ignore_conflicts=True,
        )
        added = OfferCode.objects.filter(offer=offer).count() - before
        skipped = len(codes) - added
        activity.record(
            "offer.codes_imported",
            actor=actor,
            community=gating.kpi_community(offer),
            obj=offer,
            added=added,
            skipped=skipped,
        )
    return added, skipped


# --- Steps -----------------------------------------------------------------------------


class _Lost:
    """The answer to a member who raced himself: his earlier request's reveal."""

    pk = None

    def __init__(self, earlier):
        self.earlier = earlier


def _check_valid_now(offer):
    now = timezone.now()
    if offer.valid_from is not None and now < offer.valid_from:
        raise Conflict(
            _("This offer opens on %(date)s: come back then to reveal its code.")
            % {"date": _date(offer.valid_from)},
            code="not_yet_valid",
        )
    if offer.valid_until is not None and now > offer.valid_until:
        raise Conflict(
            _("This offer ended on %(date)s.") % {"date": _date(offer.valid_until)},
            code="expired",
        )


def _reveal_shared(user, offer):
    if offer.quantity_limit is not None:
        # The count and the insert must not interleave with another member's.
        _lock_offer(offer)
        if OfferReveal.objects.filter(offer=offer).count() >= offer.quantity_limit:
            raise _sold_out()
    return _record_reveal(user, offer, offer.shared_code)


def _reveal_unique(user, offer):
    code = _free_code(offer)
    if code is None:
        raise _sold_out()
    code.claimed_by, code.claimed_at = user, timezone.now()
    try:
        with transaction.atomic():
            code.save(update_fields=["claimed_by", "claimed_at"])
    except IntegrityError:  # offer_code_one_per_member: their other request won
        return _Lost(_earlier(user, offer))
    return _record_reveal(user, offer, code.code)


def _free_code(offer):
    """Lock and return a free code of the pool, or None if none is left.

    SKIP LOCKED first, so that members racing each take their own code. Finding none
    that way may only mean that every free code is locked by a request still running,
    one that might yet fail: then wait for them, so that nobody is told "sold out"
    while a code stays free.
    """
    free = OfferCode.objects.filter(offer=offer, claimed_at__isnull=True).order_by("id")
    code = free.select_for_update(skip_locked=True).first()
    if code is None:
        code = free.select_for_update().first()
    return code


def _record_reveal(user, offer, code):
    try:
        with transaction.atomic():
            return OfferReveal.objects.create(offer=offer, user=user, code=code)
    except IntegrityError:  # offer_reveal_once: their other request won
        return _Lost(_earlier(user, offer))


def _earlier(user, offer):
    # The unique index made this request wait for the other one to commit: it is there.
    return OfferReveal.objects.get(offer=offer, user=user)


def _lock_offer(offer):
    OfferPage.objects.select_for_update(of=("self",)).get(pk=offer.pk)


def _sold_out():
    return Conflict(
        _("Sorry, this offer is sold out: every code has been revealed."), code="sold_out"
    )


def _not_in_audience(hints):
    message = _("This offer is for members of its audience only.")
    if hints:
        how = _("To qualify: %(how)s.") % {"how": "; ".join(hints)}
        message = f"{message} {how}"
    return message


def _date(moment):
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")

"""What a content page reached, read straight from the models (no activity scan).

``figures(page)`` answers the Reach tab's questions for one page of any kind:

- who it is for: the active accounts its audience reaches now
  (``community.audiences.members``; a banned member or a lapsed badge drops out);
- who looked: distinct eligible members with a ``ContentView`` (and their daily views);
- what they did: an offer's reveals and what is left of its codes; an event's
  registrations going, waitlisted and attended;
- the conversation it started: its discussion thread and replies (attribution).

A handful of queries, whatever the audience's size: counts are done by the database.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from cms.models import ContentPage, OfferCode, OfferReveal, Registration
from cms.models.measure import ContentView
from community import audiences


@dataclass(frozen=True)
class Offer:
    reveals: int
    mode: str
    pool: int | None  # unique codes imported (None for a shared code)
    left: int | None  # codes or reveals left (None: no limit)


@dataclass(frozen=True)
class Event:
    going: int
    waitlisted: int
    cancelled: int
    attended: int
    capacity: int | None
    attendees_url: str
    attendees_csv_url: str


@dataclass(frozen=True)
class Discussion:
    thread: object  # forums.Thread, or None before the first publication
    community: object  # where it opens (or opened)
    replies: int
    url: str


@dataclass(frozen=True)
class Reach:
    eligible: int
    viewers: int  # distinct eligible members who opened the page
    views: int  # their views, one per member and day
    offer: Offer | None = None
    event: Event | None = None
    discussion: Discussion | None = None

    @property
    def view_rate(self):
        """Share of eligible members who opened it, in percent (None if nobody is eligible)."""
        return round(100 * self.viewers / self.eligible) if self.eligible else None


def figures(page):
    """The reach of ``page`` (a saved content page, specific or not)."""
    eligible = audiences.members(page.audience_spec())
    seen = ContentView.objects.filter(page_id=page.pk, user_id__in=eligible).aggregate(
        viewers=Count("user_id", distinct=True), views=Count("pk")
    )
    kind = getattr(page.specific_class, "kind", "")
    return Reach(
        eligible=eligible.count(),
        viewers=seen["viewers"],
        views=seen["views"],
        offer=_offer(page.specific) if kind == "offer" else None,
        event=_event(page.specific) if kind == "event" else None,
        discussion=_discussion(page),
    )


def _offer(offer):
    reveals = OfferReveal.objects.filter(offer_id=offer.pk).count()
    if offer.code_mode == offer.Codes.UNIQUE:
        # Free codes as the reveal counts them (cms.offers.counts.remaining): never
        # claimed, whatever became of a claimant's account.
        pool = OfferCode.objects.filter(offer_id=offer.pk).aggregate(
            total=Count("pk"), free=Count("pk", filter=Q(claimed_at__isnull=True))
        )
        return Offer(reveals=reveals, mode=offer.code_mode, pool=pool["total"], left=pool["free"])
    left = None if offer.quantity_limit is None else max(offer.quantity_limit - reveals, 0)
    return Offer(reveals=reveals, mode=offer.code_mode, pool=None, left=left)


def _event(event):
    states = Registration.objects.filter(event_id=event.pk).aggregate(
        going=Count("pk", filter=Q(state=Registration.State.GOING)),
        waitlisted=Count("pk", filter=Q(state=Registration.State.WAITLISTED)),
        cancelled=Count("pk", filter=Q(state=Registration.State.CANCELLED)),
        attended=Count("pk", filter=Q(attended_at__isnull=False)),
    )
    return Event(
        **states,
        capacity=event.capacity,
        attendees_url=_url("cms_event_attendees", event.pk),
        attendees_csv_url=_url("cms_event_attendees_csv", event.pk),
    )


def _url(name, page_id):
    # The attendee list and its CSV are the events part's views; until they are
    # mounted the tab shows the counts without links.
    try:
        return reverse(name, args=[page_id])
    except NoReverseMatch:
        return ""


def _discussion(page):
    # The thread is set on the page's row when it is first published, after the
    # revision the editor is looking at was saved: read the row, not the draft.
    from forums.models import Thread

    thread = (
        Thread.objects.select_related("community")
        .filter(pk__in=ContentPage.objects.filter(pk=page.pk).values("discussion_thread_id"))
        .first()
    )
    if thread is None and not page.discussion_community_id:
        return None
    if thread is None:
        return Discussion(thread=None, community=page.discussion_community, replies=0, url="")
    return Discussion(
        thread=thread,
        community=thread.community,
        replies=thread.reply_count,
        url=thread.get_absolute_url(),
    )

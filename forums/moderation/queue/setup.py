"""Flags and the review queue, plugged into the registries below them."""

from django.utils.translation import gettext_lazy as _

from community import activity
from community.activity import Verb
from realtime import events
from realtime.events import EventType

QUEUE_DATA = ("kind", "reason", "before", "after")

VERBS = (
    Verb(
        "flag.created",
        "moderation.flag",
        ("thread", "reason", "weight"),
        ("post",),
        doc="A member flagged a post or a thread for the moderators.",
    ),
    Verb(
        "queue.claimed",
        "moderation.queueitem",
        QUEUE_DATA,
        ("until",),
        doc="A moderator took a review item for a while (before/after: who held it).",
    ),
    Verb(
        "queue.approved",
        "moderation.queueitem",
        QUEUE_DATA,
        doc="A moderator approved a review item (held content published, flags dismissed, "
        "a request to join accepted).",
    ),
    Verb(
        "queue.rejected",
        "moderation.queueitem",
        QUEUE_DATA,
        doc="A moderator rejected a review item (held content refused, flags upheld, "
        "a request to join refused).",
    ),
    Verb(
        "queue.configured",
        "moderation.queuesettings",
        ("before", "after"),
        doc="A manager changed the queue's settings (hiding threshold, claim duration).",
    ),
)

EVENTS = (
    # A member flagged something; moderators' pages show it at once.
    EventType("flag.created", "moderation", ("id", "item", "thread", "post", "reason", "weight")),
    # An item was added to, claimed in or resolved from the community's queue.
    EventType("queue.changed", "moderation", ("id", "kind", "state", "weight", "claimed_by")),
)


def ready():
    """Plug this part into the registries (called by ModerationConfig.ready)."""
    from django.db.models import signals

    from community import apitools
    from community.models import Membership
    from forums import screening
    from forums.moderation import nav
    from forums.moderation.queue import receivers

    activity.declare(*VERBS)
    events.declare(*EVENTS)
    screening.register(after=receivers.screened)
    activity.connect("membership.requested", receivers.join_requested)
    activity.connect(("membership.approved", "membership.banned"), receivers.join_decided)
    signals.pre_delete.connect(
        receivers.membership_deleted, sender=Membership, dispatch_uid="queue_join_item"
    )
    apitools.register_router("forums.moderation.queue.api.router")
    nav.register(nav.Tab("queue", _("Review queue"), "moderation_queue", order=10))

"""Deflections: a solved answer that spared a new question (the KPI issue counts them).

A deflection is a ``similar.opened`` entry (member M opened, from the similar threads
shown while typing a new thread's title in community C, at time T) such that

1. M recorded no new thread in C within ``WINDOW`` after T (neither ``thread.created``
   nor ``thread.held``: a thread held for review was still posted), and
2. M opened no other suggestion in C within ``WINDOW`` after T: a visit of several
   openings counts once, at its last one;

counted by T in ``[start, end)``, and only once ``T + WINDOW`` has passed (before that
the member may still post: the figure never goes down afterwards).
"""

from datetime import timedelta

from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Value,
)
from django.utils import timezone

from community.models import Activity

WINDOW = timedelta(minutes=30)
POSTED = ("thread.created", "thread.held")


def opened_entries(community, start, end, *, now=None):
    """The ``similar.opened`` entries of ``community`` that count as deflections."""
    now = now or timezone.now()
    community_id = getattr(community, "pk", community)
    window_end = ExpressionWrapper(
        OuterRef("created_at") + Value(WINDOW, output_field=DurationField()),
        output_field=DateTimeField(),
    )
    later = Activity.objects.filter(
        community_id=community_id,
        actor_id=OuterRef("actor_id"),
        created_at__gt=OuterRef("created_at"),
        created_at__lte=window_end,
    )
    return Activity.objects.filter(
        verb="similar.opened",
        community_id=community_id,
        actor__isnull=False,
        created_at__gte=start,
        created_at__lt=min(end, now - WINDOW),
    ).filter(
        ~Exists(later.filter(verb__in=POSTED)),
        ~Exists(later.filter(verb="similar.opened")),
    )


def count(community, start, end, *, now=None):
    """How many deflections ``community`` had between ``start`` and ``end`` (see above)."""
    return opened_entries(community, start, end, now=now).count()

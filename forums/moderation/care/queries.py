"""What the waiting page and API read: a fixed number of queries whatever the length."""

from django.utils import timezone

from forums.moderation.care import actions
from forums.moderation.care import policy as policies
from forums.moderation.care.models import Duty, QuestionClock


def waiting(community, *, now=None, limit=200):
    """Questions still waiting for their first response (breached ones too), by time left."""
    now = now or timezone.now()
    clocks = list(
        QuestionClock.objects.filter(
            community=community, state__in=["waiting", "breached"], responded_at__isnull=True
        )
        .select_related("thread", "thread__author", "thread__community")
        .order_by("due_at", "pk")[:limit]
    )
    policies.policy_for(community)  # read once; question_data reuses it
    rows = []
    for clock in clocks:
        clock.community = community
        rows.append(actions.question_data(clock, clock.thread, now))
    return rows


def is_on_duty(user, community):
    return user.is_authenticated and Duty.objects.filter(user=user, community=community).exists()


def timer_for(thread, *, now=None):
    """A thread's timer for its page, or None (no clock)."""
    clock = QuestionClock.objects.filter(thread=thread).select_related("community").first()
    if clock is None:
        return None
    return actions.question_data(clock, thread, now or timezone.now())

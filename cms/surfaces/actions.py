"""The one write of the surfaces: a member's daily view of a page they may read."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from cms import gating
from cms.models import ContentView
from community import activity


def record_view(user, page):
    """Record that ``user`` read ``page`` today: the first time of the day adds a
    ``ContentView`` and a ``content.viewed`` entry; later views add nothing.

    Precondition: ``user`` is signed in and meets the page's audience (the caller,
    ``serving.serve_content``, asked ``gating.access``).
    """
    content = gating.content_of(page)
    day = timezone.localdate()
    if ContentView.objects.filter(page=content, user=user, day=day).exists():
        return False
    try:
        with transaction.atomic():
            ContentView.objects.create(page=content, user=user, day=day)
            activity.record(
                "content.viewed",
                actor=user,
                community=gating.kpi_community(page),
                obj=content,
                type=gating.kind_of(page),
            )
    except IntegrityError:
        # Two tabs opened at once: the other request recorded today's view.
        return False
    return True

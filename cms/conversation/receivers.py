"""What the conversation part hears: Wagtail's publications and its own ledger entries.

- ``on_page_published``: Wagtail's ``page_published`` signal, sent by every
  publication (the admin's publish button, ``revision.publish()``, and
  ``manage.py publish_scheduled`` for pages whose ``go_live_at`` has come). Wagtail
  also sends it when a revision is only *scheduled* (the page is not live yet):
  that one is ignored. The first publication is announced (``actions.announce``).
- ``fan_out``: a ``content.published`` entry, in a background task: every member
  the page's audience reaches is told, ``BATCH`` members per transaction, so a
  site-wide article never holds one long transaction nor one huge insert.
"""

import logging

from cms import gating
from cms.conversation import actions
from cms.models import ContentPage
from community import audiences

logger = logging.getLogger(__name__)

BATCH = 500


def on_page_published(sender, instance, revision=None, **kwargs):
    if not isinstance(instance, ContentPage) or not instance.live:
        return
    # ``publish_scheduled`` publishes the revision approved for a go-live time;
    # the signal's revision still carries it (Wagtail clears it in the database only).
    scheduled = bool(revision is not None and revision.approved_go_live_at is not None)
    actor = revision.user if revision is not None and revision.user_id else None
    actions.announce(instance, actor=actor, scheduled=scheduled)


def fan_out(entry):
    """Tell the audience of the page of a ``content.published`` entry; returns how many."""
    page = gating.with_audience(ContentPage.objects.live().filter(pk=entry.object_id)).first()
    if page is None:  # unpublished or deleted since: nobody to tell
        return 0
    reached = audiences.members(page.audience_spec()).order_by("pk")
    told, last = 0, 0
    while True:
        # Keyset pages of ids: each batch is its own short query and transaction.
        batch = list(reached.filter(pk__gt=last).values_list("pk", flat=True)[:BATCH])
        if not batch:
            return told
        last = batch[-1]
        # The editor who published it knows.
        fresh = [user_id for user_id in batch if user_id != entry.actor_id]
        if fresh:
            told += actions.notify_audience(page, fresh)

"""Scheduled publishing on the moderation clock.

Wagtail applies ``go_live_at`` and ``expire_at`` only in ``manage.py
publish_scheduled``; the moderation clock (``forums.moderation.care.clock``: a
thread in the embedded default, ``manage.py moderation_clock`` beside
``db_worker`` in production) runs it every ``EVERY_MINUTES``. Each page it
publishes sends ``page_published``, which announces a first publication
(``cms.conversation.receivers``). Running it twice publishes nothing twice: a
revision's approved go-live time is cleared as it goes live.
"""

from io import StringIO

from django.core.management import call_command

EVERY_MINUTES = 5


def publish_scheduled(now):
    """Publish (and expire) the pages whose time has come, every few minutes."""
    if now.minute % EVERY_MINUTES:
        return False
    call_command("publish_scheduled", stdout=StringIO())
    return True

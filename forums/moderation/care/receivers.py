"""Customer care listens to the forums' ledger: questions start clocks, answers stop them.

Receivers run right after the writing transaction commits (not in a background
task): a question is offered to experts within the request that created it,
which is what keeps creation-to-offer under a second.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from community import activity
from forums.models import Post, Thread
from forums.moderation.care import actions


def _setting(name, default):
    return getattr(settings, name, default)


def flag_burst():
    """(flags, minutes): that many flags on one thread within that many minutes alert."""
    return _setting("MODERATION_FLAG_BURST", (5, 10))


def fast_poster():
    """(posts, minutes): an account under a day old posting that fast alerts."""
    return _setting("MODERATION_FAST_POSTER", (5, 10))


def _thread(entry):
    obj = getattr(entry, "obj", None)
    if isinstance(obj, Thread):
        return obj
    return Thread.objects.select_related("community", "author").get(pk=entry.object_id)


def _post(entry):
    obj = getattr(entry, "obj", None)
    if isinstance(obj, Post):
        return obj
    return Post.objects.select_related("thread__community", "author").get(pk=entry.object_id)


def on_thread_created(entry):
    thread = _thread(entry)
    if thread.kind == Thread.Kind.QUESTION and actions.start_clock(thread) is not None:
        actions.offer(thread)
    _watch_new_account(thread.community, thread.author)


def on_post_created(entry):
    post = _post(entry)
    actions.record_response(post)
    _watch_new_account(post.thread.community, post.author)


def on_flag_created(entry):
    """Part Q's ``flag.created``: a burst of flags on one thread alerts."""
    thread_id = entry.data.get("thread")
    if thread_id is None:
        return
    count, minutes = flag_burst()
    if _count_recent(f"care:flags:{thread_id}", minutes) < count:
        return
    if not cache.add(f"care:flags-alerted:{thread_id}", 1, minutes * 60):
        return
    thread = Thread.objects.select_related("community").get(pk=thread_id)
    actions.raise_alert(
        thread.community,
        "flag_burst",
        _("%(count)s flags on “%(title)s” within %(minutes)s minutes.")
        % {"count": count, "title": thread.title, "minutes": minutes},
        thread=thread,
        count=count,
        minutes=minutes,
    )


def _count_recent(key, minutes):
    """Add now to the timestamps kept under ``key``; return how many fall in the window.

    A hint kept in the cache (no lock: two writers at once may drop one stamp).
    """
    now = time.time()
    stamps = [stamp for stamp in cache.get(key, []) if stamp > now - minutes * 60]
    stamps.append(now)
    cache.set(key, stamps[-200:], minutes * 60)
    return len(stamps)


def _watch_new_account(community, author):
    if author is None or author.date_joined < timezone.now() - timedelta(days=1):
        return
    count, minutes = fast_poster()
    if _count_recent(f"care:posts:{community.pk}:{author.pk}", minutes) < count:
        return
    if not cache.add(f"care:fast-alerted:{community.pk}:{author.pk}", 1, minutes * 60):
        return
    actions.raise_alert(
        community,
        "fast_new_account",
        _("A new account, %(name)s, posted %(count)s times within %(minutes)s minutes.")
        % {"name": author.get_username(), "count": count, "minutes": minutes},
        user=author,
        count=count,
        minutes=minutes,
    )


def connect():
    activity.connect("thread.created", on_thread_created)
    activity.connect("post.created", on_post_created)
    if "flag.created" in activity.verbs():
        activity.connect("flag.created", on_flag_created)

"""Telling a member privately what moderation decided: a ``Notice`` and a live event."""

from django.db import transaction
from django.utils import timezone

from forums.moderation import chrome
from forums.moderation.models import Notice
from realtime import publish


def notice_data(notice):
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "community": notice.community.slug if notice.community_id else None,
        "thread": notice.thread_id,
        "post": notice.post_id,
        "text": notice.text,
        "created_at": notice.created_at.isoformat(),
    }


def tell(user, kind, text="", *, community=None, thread=None, post=None, actor=None):
    """Write one notice for ``user`` and send it on their ``me`` stream after commit.

    Call inside the action's transaction: the notice stands or falls with the decision.
    """
    notice = Notice.objects.create(
        user_id=getattr(user, "pk", user),
        kind=kind,
        text=text,
        community=community,
        thread=thread,
        post=post,
        actor=actor,
    )
    publish.send_event_on_commit(f"me:{notice.user_id}", "moderation.notice", notice_data(notice))
    chrome.drop(notice.user_id)
    return notice


def unread_count(user):
    """The member's unread notices (cached with the page chrome: ``chrome``)."""
    return chrome.chrome_state(user)["notices"]


def mark_all_read(user):
    with transaction.atomic():
        chrome.drop(user.pk)
        return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())

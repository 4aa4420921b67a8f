"""The conversation's writes: a page's first publication, its discussion thread, and
telling its audience.

- ``announce(page, actor=, scheduled=)``: on a page's first publication (Wagtail's
  ``page_published``, from the admin or ``publish_scheduled``): records
  ``content.published`` and opens the discussion thread, once per page whatever
  the number of publications;
- ``open_discussion(page, actor)``: the thread in ``discussion_community``, through
  ``forums.actions.create_thread`` (so the forums' permissions, screening and
  notifications apply), kept in ``discussion_thread``;
- ``notify_audience(page, user_ids)``: one ``ContentNotice`` and one
  ``content.published`` event on the ``me`` stream per member, for one batch
  (``cms.conversation.receivers.fan_out`` runs it in the background, batch after
  batch).
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import discussions, gating
from cms.conversation.items import iso
from cms.events.notices import forget_unread
from cms.models import ContentNotice, ContentPage
from community import activity
from community.errors import Conflict
from community.models import Activity
from forums import actions as forum_actions
from forums import permissions as forum_permissions
from forums.models import Thread
from realtime import publish

logger = logging.getLogger(__name__)

VERB = "content.published"


def _already_announced(page):
    return Activity.objects.filter(
        verb=VERB, object_type=ContentPage._meta.model_name, object_id=page.pk
    ).exists()


def announce(page, *, actor=None, scheduled=False):
    """Record the first publication of ``page`` (live now) and open its discussion.

    Idempotent: a later publication (an edit, or unpublishing and publishing again)
    finds the entry and does nothing. Returns the entry, or None.
    """
    if not page.live:
        return None
    with transaction.atomic():
        # The page's row serialises two publications racing for the first entry.
        locked = ContentPage.objects.select_for_update().filter(pk=page.pk).first()
        if locked is None or _already_announced(page):
            return None
        keys = {"scheduled": True} if scheduled else {}
        entry = activity.record(
            VERB,
            actor=actor,
            community=gating.kpi_community(page),
            obj=gating.content_of(page),
            type=gating.kind_of(page),
            audience=page.audience,
            **keys,
        )
        if page.discussion_community_id and locked.discussion_thread_id is None:
            open_discussion(page, actor)
    return entry


def _discussion_body(page):
    url = page.get_url() or page.url_path
    return f"{page.teaser}\n\n[{_('Read it: %(title)s') % {'title': page.title}}]({url})"


def _author(page, actor):
    """The publishing user if they may open a thread there, else the page's owner;
    None if neither may."""
    community = page.discussion_community
    for candidate in (actor, page.owner):
        if candidate is None or not candidate.is_authenticated:
            continue
        try:
            forum_permissions.check_create_thread(candidate, community, Thread.Kind.DISCUSSION)
        except (PermissionDenied, Http404):
            continue
        return candidate
    return None


def open_discussion(page, actor):
    """Open the page's thread in its discussion community; returns it, or None.

    The thread is a forum thread like any other: it has its community's audience
    (a club-only community keeps the discussion club-only). A refusal (neither the
    publisher nor the owner may post there, screening refuses) is logged and leaves
    the page published without a discussion: an editor can fix it and the Reach
    panel shows none.
    """
    if not discussions.discussion_fits(page.audience_spec().rules, page.discussion_community):
        # The admin refuses this; a page saved another way must not widen its audience.
        logger.warning(
            "Content %s: its discussion would show it outside the hidden communities of "
            "its audience; none opened",
            page.pk,
        )
        return None
    author = _author(page, actor)
    if author is None:
        logger.warning(
            "Content %s: no author may open its discussion in community %s",
            page.pk,
            page.discussion_community_id,
        )
        return None
    try:
        thread = forum_actions.create_thread(
            author,
            page.discussion_community,
            kind=Thread.Kind.DISCUSSION,
            title=page.title,
            body=_discussion_body(page),
        )
    except (PermissionDenied, ValidationError, Http404, Conflict):
        logger.warning("Content %s: its discussion thread was refused", page.pk, exc_info=True)
        return None
    # Not a revision field an editor sets: written on the row, kept across revisions
    # by ContentPage.with_content_json.
    ContentPage.objects.filter(pk=page.pk).update(discussion_thread=thread)
    page.discussion_thread = thread
    return thread


def published_data(page, request=None):
    """The ``content.published`` event's payload (``cms.streams``)."""
    return {
        "id": page.pk,
        "type": gating.kind_of(page),
        "title": page.title,
        "url": page.get_url(request=request),
        "teaser": page.teaser,
        "published_at": iso(page.first_published_at),
    }


def notify_audience(page, user_ids):
    """Tell each of ``user_ids`` (one batch) of ``page``: a notice and a live event each.

    Members already told (a retried task) are skipped. Returns how many were told.
    """
    with transaction.atomic():
        told = set(
            ContentNotice.objects.filter(
                page_id=page.pk, kind=ContentNotice.Kind.PUBLISHED, user_id__in=user_ids
            ).values_list("user_id", flat=True)
        )
        fresh = [user_id for user_id in user_ids if user_id not in told]
        now = timezone.now()
        ContentNotice.objects.bulk_create(
            (
                ContentNotice(
                    user_id=user_id,
                    kind=ContentNotice.Kind.PUBLISHED,
                    page_id=page.pk,
                    created_at=now,
                )
                for user_id in fresh
            ),
            ignore_conflicts=True,  # a task retried at the same moment (the constraint)
        )
        forget_unread(fresh)
        data = published_data(page)
        for user_id in fresh:
            publish.send_event_on_commit(f"me:{user_id}", VERB, data)
    return len(fresh)

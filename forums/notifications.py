"""Notifications: who hears of a new post, a mention, an accepted answer, an idea's news.

These are the notification system's actions. They run after the change that
caused them has committed (``forums.receivers`` hears of it from the activity
ledger and runs them in a background task), decide the recipients, write one
notification per person and change, publish it on the person's ``me`` stream
and queue the mail of those who asked for it at once (``notification_mail``).
Here too: a member's own list of notifications, and what losing access takes
away (``membership_ended``).

Privacy: a notification is only ever written for someone who may read the
community at that moment, so mentioning a person who cannot see a private
community notifies nobody and tells them nothing. Access is asked again at
every delivery, because it can be lost in between (``notification_access``),
and losing access withdraws the stored ``me`` events and the watches.
docs/security.md, "Access re-checked at delivery".
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from community import permissions as community_permissions
from community.models import User
from forums import markdown, notification_mail
from forums.models import IdeaVote, Notification, Post, Status, Subscription, Thread
from forums.notification_access import readers, visible_to
from realtime import publish
from realtime.models import Event

Kind = Notification.Kind


def notification_data(notification):
    thread = notification.thread
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "thread": thread.pk,
        "title": thread.title,
        "community": thread.community.slug,
        "post": notification.post_id,
        "actor": notification.actor.username if notification.actor else None,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def _deliver(recipients, *, thread, post, actor):
    """Write, publish and (for "at once" settings) mail one notification per recipient.

    ``recipients`` maps user id to kind. The actor is never notified of their own act.
    """
    recipients.pop(getattr(actor, "pk", None), None)
    if not recipients:
        return []
    community = thread.community
    users = readers(community, list(recipients))
    now = timezone.now()
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            Notification(
                user=user,
                kind=recipients[user.pk],
                actor=actor,
                thread=thread,
                post=post,
                created_at=now,
            )
            for user in users
        )
        for notification, user in zip(notifications, users, strict=True):
            notification.user = user
            publish.send_event_on_commit(
                f"me:{user.pk}", "notification.created", notification_data(notification)
            )
        ids = [notification.pk for notification in notifications]
        transaction.on_commit(lambda: notification_mail.enqueue(ids))
    return notifications


# --- What causes notifications ------------------------------------------------------


def post_created(post_id):
    """Notify mentions, the author replied to, and the thread's and community's watchers."""
    post = (
        Post.objects.select_related("thread__community", "author", "reply_to")
        .filter(pk=post_id, deleted_at__isnull=True, status=Status.PUBLISHED)
        .first()
    )
    if post is None or post.thread.status != Status.PUBLISHED:
        return []
    thread = post.thread
    recipients = {}
    watchers = Subscription.objects.filter(Q(thread=thread) | Q(community=thread.community))
    for user_id in watchers.values_list("user_id", flat=True):
        recipients[user_id] = Kind.REPLY
    if post.reply_to is not None and post.reply_to.author_id:
        recipients[post.reply_to.author_id] = Kind.QUOTE
    names = markdown.extract_mentions(post.body)
    if names:
        for user_id in User.objects.filter(username__in=names).values_list("pk", flat=True):
            recipients[user_id] = Kind.MENTION
    return _deliver(recipients, thread=thread, post=post, actor=post.author)


def answer_accepted(thread_id, post_id, actor_id):
    """Tell the author of ``post_id`` it was accepted, if it still is when this runs."""
    thread = (
        Thread.objects.select_related("community", "accepted_post").filter(pk=thread_id).first()
    )
    if thread is None or thread.accepted_post_id != post_id or not thread.accepted_post.author_id:
        return []
    actor = User.objects.filter(pk=actor_id).first()
    return _deliver(
        {thread.accepted_post.author_id: Kind.ACCEPTED},
        thread=thread,
        post=thread.accepted_post,
        actor=actor,
    )


def idea_status_changed(thread_id, actor_id):
    thread = Thread.objects.select_related("community").filter(pk=thread_id).first()
    if thread is None:
        return []
    recipients = dict.fromkeys(
        IdeaVote.objects.filter(thread=thread).values_list("user_id", flat=True), Kind.IDEA_STATUS
    )
    if thread.author_id:
        recipients[thread.author_id] = Kind.IDEA_STATUS
    actor = User.objects.filter(pk=actor_id).first()
    return _deliver(recipients, thread=thread, post=None, actor=actor)


# --- A member's own notifications ----------------------------------------------------

SHOWN = 50


def recent(user, *, limit=SHOWN):
    """The member's latest notifications, newest first, with what the page shows of each.

    A fixed number of queries whatever ``limit``: thread, community, post,
    actor and the actor's profile come in the same query.
    """
    return list(
        visible_to(user).select_related("thread__community", "post", "actor__profile")[:limit]
    )


def listed(user, *, unread=False):
    """The API's list: the member's readable notifications, newest first (slice it)."""
    queryset = visible_to(user).select_related("thread__community", "actor")
    return queryset.filter(read_at__isnull=True) if unread else queryset


def opened(user, notification_id):
    """The member's notification ``notification_id`` if they may still read it, else None."""
    return (
        visible_to(user)
        .filter(pk=notification_id)
        .select_related("thread__community", "post")
        .first()
    )


def mark_read(user, *, ids=None):
    """Mark the user's notifications read: all of them, or those in ``ids``."""
    queryset = visible_to(user).filter(read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())


def unread_count(user):
    if not user.is_authenticated:
        return 0
    return visible_to(user).filter(read_at__isnull=True).count()


# --- Losing access -------------------------------------------------------------------

WITHDRAWN = {"id": None, "kind": None, "thread": None, "title": "", "community": None}


def membership_ended(entry):
    """After a ban, a leave or a removal: stop watching, withdraw what the socket replays.

    A receiver of the ``membership.*`` entries that end one (``forums.receivers``).

    A ban ends watching even where the community stays readable (public): the
    banned are not told of new threads. Whoever can no longer read the
    community also loses the stored ``notification.created`` events of their
    ``me`` stream that name it: a reconnecting socket replays history, and its
    titles must not outlive access. The events are rewritten, not deleted, so
    the stream stays gap-free and in order (docs/realtime.md).
    """
    community, user = entry.community, entry.target_user
    readable = community_permissions.can_read(user, community)
    if entry.verb == "membership.banned" or not readable:
        stop_watching(user, community)
    if not readable:
        withdraw_events(user, community)


def stop_watching(user, community):
    """End the user's watches of ``community`` and of its threads; return how many."""
    deleted, _ = Subscription.objects.filter(
        Q(community=community) | Q(thread__community=community), user=user
    ).delete()
    return deleted


def withdraw_events(user, community):
    """Blank the user's stored notification events naming ``community``; return how many."""
    return Event.objects.filter(
        stream=f"me:{user.pk}", event="notification.created", data__community=community.slug
    ).update(data={**WITHDRAWN, "withdrawn": True})

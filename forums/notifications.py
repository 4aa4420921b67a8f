"""Notifications: who hears of a new post, a mention, an accepted answer, an idea's news.

These are the notification system's actions. They run after the change that
caused them has committed (``forums.tasks`` enqueues them on commit), decide
the recipients, write one notification per person and change, publish it on
the person's ``me`` stream and mail it at once to those who asked for that.

Privacy: a notification is only ever written for someone who may read the
community at that moment, so mentioning a person who cannot see a private
community notifies nobody and tells them nothing. Access is asked again at
every delivery, because it can be lost in between (a ban, leaving a private
community, the thread moved, the community made private): the mail, sent
by a job of its own after commit, the digest, the list, the API, the unread
counts and the item's link all go through ``visible_to`` or ``_deliverable``,
and losing access withdraws the stored ``me`` events and the watches
(``on_membership_changed``). docs/security.md, "Access re-checked at delivery".
"""

import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from community import permissions as community_permissions
from community import signals as community_signals
from community.models import Membership, User
from forums import markdown
from forums.models import IdeaVote, Notification, NotificationSetting, Post, Subscription, Thread
from realtime import publish
from realtime.models import Event

logger = logging.getLogger(__name__)
Kind = Notification.Kind
UNSUBSCRIBE_SALT = "forums.unsubscribe"


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


def _readers(community, user_ids):
    """The users among ``user_ids`` who may read ``community`` now (three queries at most)."""
    users = list(User.objects.filter(pk__in=user_ids, is_active=True).select_related("profile"))
    memberships = {
        m.user_id: m for m in Membership.objects.filter(community=community, user__in=users)
    }
    for user in users:
        community_permissions.remember_membership(community, user, memberships.get(user.pk))
    return [user for user in users if community_permissions.can_read(user, community)]


def _deliver(recipients, *, thread, post, actor):
    """Write, publish and (for "at once" settings) mail one notification per recipient.

    ``recipients`` maps user id to kind. The actor is never notified of their own act.
    """
    recipients.pop(getattr(actor, "pk", None), None)
    if not recipients:
        return []
    community = thread.community
    readers = _readers(community, list(recipients))
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
            for user in readers
        )
        for notification, user in zip(notifications, readers, strict=True):
            notification.user = user
            publish.send_event_on_commit(
                f"me:{user.pk}", "notification.created", notification_data(notification)
            )
        ids = [notification.pk for notification in notifications]
        transaction.on_commit(lambda: _enqueue_mail(ids))
    return notifications


def _enqueue_mail(ids):
    """Queue the "at once" mails: a job of their own, which asks about access again."""
    from forums import tasks  # tasks imports this module

    try:
        tasks.mail_notifications.enqueue(ids)
    except Exception:  # the in-app notification stands even if the queue is down
        logger.exception("Could not enqueue the mail of notifications %s", ids)


def _deliverable(notifications):
    """Those of ``notifications`` whose recipient may read the thread's community now.

    Asked at delivery, not only when the notification was written: the member may
    have been banned, left a private community, or the thread moved since. One
    query for every membership involved, then ``community.permissions.can_read``.
    """
    if not notifications:
        return []
    memberships = {
        (m.user_id, m.community_id): m
        for m in Membership.objects.filter(
            user__in={n.user_id for n in notifications},
            community__in={n.thread.community_id for n in notifications},
        )
    }
    kept = []
    for notification in notifications:
        user, community = notification.user, notification.thread.community
        community_permissions.remember_membership(
            community, user, memberships.get((user.pk, community.pk))
        )
        if user.is_active and community_permissions.can_read(user, community):
            kept.append(notification)
    return kept


def email_setting(user, kind):
    chosen = (
        NotificationSetting.objects.filter(user=user, kind=kind)
        .values_list("email", flat=True)
        .first()
    )
    return chosen or NotificationSetting.DEFAULTS[kind]


def send_immediate(notification_ids):
    """Mail those notifications whose recipients asked for "at once" and may still read them.

    Runs in the job queued when they were written (``_enqueue_mail``), maybe
    much later: access is asked again here. Return how many were mailed.
    """
    pending = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("user__profile", "thread__community", "post", "actor__profile")
    sent = 0
    for notification in _deliverable(list(pending)):
        setting = email_setting(notification.user, notification.kind)
        if setting != NotificationSetting.Email.IMMEDIATE:
            continue
        try:
            send_mail_for(notification.user, [notification], digest=False)
        except Exception:  # a mail server hiccup must not lose the in-app notification
            logger.exception("Could not mail notification %s", notification.pk)
            continue
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def unsubscribe_token(user, kind):
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user, kind):
    return settings.SITE_URL.rstrip("/") + reverse(
        "unsubscribe", args=[unsubscribe_token(user, kind)]
    )


def send_mail_for(user, notifications, *, digest):
    """One mail to ``user`` about ``notifications``, in their language, with unsubscribe links."""
    if not user.email:
        return
    kind = "digest" if digest else notifications[0].kind
    language = user.profile.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user,
            "notifications": [
                {
                    "notification": n,
                    "reason": reason_text(n),
                    "url": settings.SITE_URL.rstrip("/")
                    + n.thread.get_absolute_url()
                    + (f"#post-{n.post.number}" if n.post else ""),
                }
                for n in notifications
            ],
            "digest": digest,
            "brand": settings.BRAND_NAME,
            "unsubscribe_url": unsubscribe_url(user, kind),
            "settings_url": settings.SITE_URL.rstrip("/") + reverse("notification_settings"),
        }
        subject = render_to_string("forums/email/notification_subject.txt", context).strip()
        body = render_to_string("forums/email/notification_message.txt", context)
    message = EmailMultiAlternatives(subject, body, to=[user.email])
    # RFC 8058 one-click unsubscribe: mail clients POST to the link, no login needed.
    message.extra_headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.send()


# --- What causes notifications ------------------------------------------------------


def post_created(post_id):
    """Notify mentions, the author replied to, and the thread's and community's watchers."""
    post = (
        Post.objects.select_related("thread__community", "author", "reply_to")
        .filter(pk=post_id, deleted_at__isnull=True)
        .first()
    )
    if post is None:
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


def answer_accepted(thread_id, actor_id):
    thread = (
        Thread.objects.select_related("community", "accepted_post").filter(pk=thread_id).first()
    )
    if thread is None or thread.accepted_post is None or not thread.accepted_post.author_id:
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


# The notifications page speaks to the member ("mentioned you"); the model's choice
# labels describe a setting in the first person ("Someone mentions me") and stay so.
REASONS = {
    Kind.REPLY: _("{actor} replied in a thread you watch"),
    Kind.MENTION: _("{actor} mentioned you"),
    Kind.QUOTE: _("{actor} replied to your post"),
    Kind.ACCEPTED: _("{actor} accepted your answer"),
    Kind.IDEA_STATUS: _("{actor} updated an idea you voted for"),
}
OWN_IDEA = _("{actor} updated your idea")
EXCERPT_CHARS = 160
SHOWN = 50


def visible_to(user, queryset=None):
    """Narrow notifications to the user's own about threads they may read now.

    Every read of notifications goes through here (the page, the API, the
    counts, the item's link, marking read), so that losing access hides them
    at once and the counts equal the lists. One SQL filter: no query per row.
    """
    queryset = Notification.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    readable = community_permissions.filter_readable_communities(user)
    return queryset.filter(user=user, thread__community__in=readable)


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


def _reason(notification):
    """The reason's translated words, with ``{actor}`` where the name goes, and the name."""
    actor = notification.actor
    if actor is None:
        name = gettext("Someone")
    else:
        try:
            name = actor.profile.name
        except ObjectDoesNotExist:
            name = actor.username
    template = REASONS.get(notification.kind, REASONS[Kind.REPLY])
    if (
        notification.kind == Kind.IDEA_STATUS
        and notification.thread.author_id == notification.user_id
    ):
        template = OWN_IDEA
    return str(template), name


def reason_html(notification):
    """Who did what, for the person notified: "<strong>Alice</strong> mentioned you"."""
    # Split, not format(): a stray brace in a translation must not break the page.
    template, name = _reason(notification)
    before, found, after = template.partition("{actor}")
    if not found:
        return format_html("{}", template)
    return format_html("{}<strong>{}</strong>{}", before, name, after)


def reason_text(notification):
    """The same reason in plain text, for mails: "Alice mentioned you"."""
    template, name = _reason(notification)
    return template.replace("{actor}", name)


def excerpt(notification):
    """A short plain-text excerpt of the post (or an idea's new status); "" when none."""
    post = notification.post
    if post is not None:
        if post.deleted_at is not None:
            return ""
        return post.excerpt(EXCERPT_CHARS)
    thread = notification.thread
    if notification.kind == Kind.IDEA_STATUS and thread.idea_status:
        return thread.get_idea_status_display()
    return ""


def mark_read(user, *, ids=None):
    """Mark the user's notifications read: all of them, or those in ``ids``."""
    queryset = visible_to(user).filter(read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())


def set_email(user, kind, email):
    NotificationSetting.objects.update_or_create(user=user, kind=kind, defaults={"email": email})


def unsubscribe_token_is_valid(token):
    try:
        signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return False
    return True


def unread_count(user):
    if not user.is_authenticated:
        return 0
    return visible_to(user).filter(read_at__isnull=True).count()


def unsubscribe(token):
    """Turn off mails of one kind for the person a signed link names; return them, or None."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.filter(pk=int(data["u"])).first()
        kind = data["k"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or (kind not in Kind.values and kind != "digest"):
        return None
    if kind == "digest":  # the digest's link: no more digests, of any kind
        for each in Kind.values:
            if email_setting(user, each) == NotificationSetting.Email.DIGEST:
                set_email(user, each, NotificationSetting.Email.OFF)
    else:
        set_email(user, kind, NotificationSetting.Email.OFF)
    return user, kind


def send_digests(*, now=None):
    """Mail each member their un-mailed notifications set to "digest"; return mails sent."""
    now = now or timezone.now()
    pending = (
        Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True)
        .select_related("user__profile", "thread__community", "post", "actor")
        .order_by("user_id", "created_at")
    )
    by_user = {}
    for notification in _deliverable(list(pending)):
        setting = email_setting(notification.user, notification.kind)
        if setting == NotificationSetting.Email.DIGEST:
            by_user.setdefault(notification.user_id, []).append(notification)
    sent = 0
    for notifications in by_user.values():
        user = notifications[0].user
        try:
            send_mail_for(user, notifications, digest=True)
        except Exception:
            logger.exception("Could not mail the digest of user %s", user.pk)
            continue
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(emailed_at=now)
        sent += 1
    return sent


# --- Losing access -------------------------------------------------------------------

WITHDRAWN = {"id": None, "kind": None, "thread": None, "title": "", "community": None}


@receiver(community_signals.membership_changed, dispatch_uid="forums.notifications.access")
def on_membership_changed(sender, *, community, user, membership, **change):
    """After a ban, a leave or a removal: stop watching, withdraw what the socket replays.

    A ban ends watching even where the community stays readable (public): the
    banned are not told of new threads. Whoever can no longer read the
    community also loses the stored ``notification.created`` events of their
    ``me`` stream that name it: a reconnecting socket replays history, and its
    titles must not outlive access. The events are rewritten, not deleted, so
    the stream stays gap-free and in order (docs/realtime.md).
    """
    community_permissions.forget_membership(community, user)
    readable = community_permissions.can_read(user, community)
    banned = membership is not None and membership.state == Membership.State.BANNED
    if banned or not readable:
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

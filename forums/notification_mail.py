"""Notifications by mail: members' settings, the "at once" job, the digest, unsubscribing.

A notification is mailed at once, in a digest, or not at all, as its recipient
chose for its kind (``email_setting``). The "at once" mails are sent by a
background job of their own (``mail_notifications``), queued after the
notifications commit; the digest by ``manage.py send_digests``. Either may run
long after the notification was written, so both deliver only what its
recipient may still read (``notification_access.deliverable``). Every mail
carries a signed one-click unsubscribe link (RFC 8058) that needs no login.
"""

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from community.models import User
from forums.models import Notification, NotificationSetting
from forums.notification_access import deliverable
from forums.notification_text import reason_text

logger = logging.getLogger(__name__)
Kind = Notification.Kind
UNSUBSCRIBE_SALT = "forums.unsubscribe"


# --- Each member's settings ----------------------------------------------------------


def email_setting(user, kind):
    chosen = (
        NotificationSetting.objects.filter(user=user, kind=kind)
        .values_list("email", flat=True)
        .first()
    )
    return chosen or NotificationSetting.DEFAULTS[kind]


def set_email(user, kind, email):
    NotificationSetting.objects.update_or_create(user=user, kind=kind, defaults={"email": email})


# --- Sending -------------------------------------------------------------------------


def enqueue(notification_ids):
    """Queue the "at once" mails: a job of their own, which asks about access again.

    Call it after the notifications commit (``transaction.on_commit``).
    """
    try:
        mail_notifications.enqueue(notification_ids)
    except Exception:  # the in-app notification stands even if the queue is down
        logger.exception("Could not enqueue the mail of notifications %s", notification_ids)


@task()
def mail_notifications(notification_ids):
    """Mail "at once" notifications; a job of its own, so access is asked when it runs."""
    return send_immediate(notification_ids)


def send_immediate(notification_ids):
    """Mail those notifications whose recipients asked for "at once" and may still read them.

    Runs in the job queued when they were written (``enqueue``), maybe much
    later: access is asked again here. Return how many were mailed.
    """
    pending = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("user__profile", "thread__community", "post", "actor__profile")
    sent = 0
    for notification in deliverable(list(pending)):
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


def send_digests(*, now=None):
    """Mail each member their un-mailed notifications set to "digest"; return mails sent."""
    now = now or timezone.now()
    pending = (
        Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True)
        .select_related("user__profile", "thread__community", "post", "actor")
        .order_by("user_id", "created_at")
    )
    by_user = {}
    for notification in deliverable(list(pending)):
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


# --- Unsubscribing -------------------------------------------------------------------


def unsubscribe_token(user, kind):
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user, kind):
    return settings.SITE_URL.rstrip("/") + reverse(
        "unsubscribe", args=[unsubscribe_token(user, kind)]
    )


def unsubscribe_token_is_valid(token):
    try:
        signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return False
    return True


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

"""Flags: a member reports a post or a thread, once, never their own.

The flag's weight (``flagger_weight``) adds to the one open item of that content in the
review queue (``actions.enqueue``); past the community's threshold the content is
hidden pending review. Locks are taken content first, then the queue item, as in
``actions``.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from community import activity, permissions, ratelimits
from community.errors import Conflict
from forums.models import Post, Status, Thread
from forums.moderation.queue.actions import enqueue, settings_for
from forums.moderation.queue.models import Flag, QueueItem
from realtime import publish

Kind = QueueItem.Kind
State = QueueItem.State
Outcome = Flag.Outcome

# Flagger weight: 1 for a newcomer, towards 3 for a flagger whose flags moderators
# upheld, down to 0.5 for one whose flags they dismissed. A prior of one upheld and
# one dismissed flag keeps a single decision from swinging it far.
WEIGHT_MIN, WEIGHT_MAX = 0.5, 3.0
PRIOR_UPHELD, PRIOR_DISMISSED = 1, 1

NOTE_MAX = 500


def flagger_weight(user, community):
    """The weight of ``user``'s next flag in ``community``, from their past flags there.

    ``share`` = (upheld + 1) / (upheld + dismissed + 2), 0.5 with no history. From 0.5
    up, the weight rises linearly from 1 to 3 (share 1); below, it falls linearly to
    0.5 (share 0). Open flags do not count: nobody has judged them yet.
    """
    counts = Flag.objects.filter(community=community, user=user).aggregate(
        upheld=Count("pk", filter=Q(outcome=Outcome.UPHELD)),
        dismissed=Count("pk", filter=Q(outcome=Outcome.DISMISSED)),
    )
    return weight_for(counts["upheld"], counts["dismissed"])


def weight_for(upheld, dismissed):
    share = (upheld + PRIOR_UPHELD) / (upheld + dismissed + PRIOR_UPHELD + PRIOR_DISMISSED)
    weight = 1 + 4 * (share - 0.5) if share >= 0.5 else 0.5 + share
    return round(min(WEIGHT_MAX, max(WEIGHT_MIN, weight)), 3)


# --- Flags ---------------------------------------------------------------------------


def _clean_flag(reason, note):
    if reason not in Flag.Reason.values:
        raise ValidationError(
            {
                "reason": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(Flag.Reason.values)}
            }
        )
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX}}
        )
    if reason == Flag.Reason.OTHER and not note:
        raise ValidationError({"note": _("Say what is wrong in a note.")})
    return note


def flag_post(actor, post, *, reason, note=""):
    """Flag ``post`` (once per member, never one's own); return the Flag.

    Raises ``Forbidden`` (not allowed, own content), ``Conflict`` (already flagged, or
    nothing left to flag), ``ValidationError`` (reason, note), ``RateLimited``.
    """
    thread = post.thread
    community = thread.community
    permissions.check_flag(actor, community, post.author_id)
    note = _clean_flag(reason, note)
    with transaction.atomic():
        # Thread, then post, then item: the order the forums' moderation actions lock in.
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        post = Post.objects.select_for_update().get(pk=post.pk)
        post.thread = thread
        if post.deleted_at is not None or post.status != Status.PUBLISHED:
            raise Conflict(_("This post cannot be flagged any more."), code="not_flaggable")
        if Flag.objects.filter(user=actor, post=post).exists():
            raise Conflict(_("You have already flagged this post."), code="already_flagged")
        # Charged only now: a retried duplicate is a 409, not quota spent (a cache counter).
        ratelimits.hit(actor, "flag", community=community)
        return _flag(actor, community, post.thread, post, post.author_id, reason, note)


def flag_thread(actor, thread, *, reason, note=""):
    """Flag ``thread`` itself (its title, its subject): as ``flag_post``."""
    community = thread.community
    permissions.check_flag(actor, community, thread.author_id)
    note = _clean_flag(reason, note)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if thread.status != Status.PUBLISHED or thread.merged_into_id is not None:
            raise Conflict(_("This thread cannot be flagged any more."), code="not_flaggable")
        if Flag.objects.filter(user=actor, thread=thread, post__isnull=True).exists():
            raise Conflict(_("You have already flagged this thread."), code="already_flagged")
        ratelimits.hit(actor, "flag", community=community)
        return _flag(actor, community, thread, None, thread.author_id, reason, note)


def _flag(actor, community, thread, post, subject_id, reason, note):
    weight = flagger_weight(actor, community)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                community=community,
                thread=thread,
                post=post,
                user=actor,
                subject_id=subject_id,
                reason=reason,
                note=note,
                weight=weight,
            )
    except IntegrityError:  # the same member's second request, a moment apart
        raise Conflict(_("You have already flagged this."), code="already_flagged") from None
    item = enqueue(
        community,
        Kind.FLAGGED,
        thread=thread,
        post=post,
        subject=subject_id,
        reasons=(reason,),
        weight=weight,
    )
    activity.record(
        "flag.created",
        actor=actor,
        community=community,
        target_user=subject_id,
        obj=flag,
        thread=thread.pk,
        reason=reason,
        weight=weight,
        **({"post": post.pk} if post is not None else {}),
    )
    publish.send_event_on_commit(
        f"moderation:{community.slug}",
        "flag.created",
        {
            "id": flag.pk,
            "item": item.pk,
            "thread": thread.pk,
            "post": post.pk if post is not None else None,
            "reason": reason,
            "weight": weight,
        },
    )
    if item.weight >= settings_for(community).hide_threshold and not item.auto_hidden:
        _hide_on_weight(item, thread, post)
    return flag


def _hide_on_weight(item, thread, post):
    """Hide the flagged content pending review: the post, or a thread's opening post."""
    from forums import actions as content

    if post is None:
        post = Post.objects.select_for_update().filter(thread=thread, number=1).first()
    if post is None or post.status != Status.PUBLISHED or post.deleted_at is not None:
        return
    content.hide_post(
        None, post, reason=_("Hidden pending review: several members flagged it."), by="flags"
    )
    QueueItem.objects.filter(pk=item.pk).update(auto_hidden=True)
    item.auto_hidden = True

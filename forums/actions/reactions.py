"""Reacting to a post: one toggle per kind and member, with the counters it keeps."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from community import activity, ratelimits
from forums import permissions
from forums.actions._common import _locked_post, _publish_post
from forums.models import Reaction, Thread


def react(actor, post, *, kind):
    """Toggle one reaction of ``kind`` by ``actor`` on ``post``; return True if now present."""
    if kind not in Reaction.Kind.values:
        raise ValidationError(
            {"kind": _("Choose one of: %(k)s.") % {"k": ", ".join(Reaction.Kind.values)}}
        )
    permissions.check_react(actor, post)
    ratelimits.hit(actor, "react", community=post.thread.community)
    with transaction.atomic():
        post = _locked_post(post)
        permissions.check_react(actor, post)
        deleted, _count = Reaction.objects.filter(post=post, user=actor, kind=kind).delete()
        added = not deleted
        if added:
            Reaction.objects.create(post=post, user=actor, kind=kind)
        counts = dict(post.reaction_counts)
        counts[kind] = max(counts.get(kind, 0) + (1 if added else -1), 0)
        post.reaction_counts = {k: v for k, v in counts.items() if v}
        post.save(update_fields=["reaction_counts"])
        Thread.objects.filter(pk=post.thread_id).update(
            reaction_count=F("reaction_count") + (1 if added else -1)
        )
        activity.record(
            "reaction.added" if added else "reaction.removed",
            actor=actor,
            community=post.thread.community,
            obj=post,
            target_user=post.author_id,
            kind=kind,
        )
        _publish_post(post, "post.reacted")
    return added

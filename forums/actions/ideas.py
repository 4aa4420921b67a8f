"""Ideas: a member's vote (a toggle) and the status moderators move an idea along."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community import activity
from community.validators import validate_text
from forums import permissions
from forums.actions._common import _locked_thread, _publish_thread
from forums.models import IdeaVote, Thread


def vote(actor, thread):
    """Toggle the actor's vote for an idea; return True if the vote is now cast."""
    permissions.check_vote(actor, thread)
    with transaction.atomic():
        thread = _locked_thread(thread)
        deleted, _count = IdeaVote.objects.filter(thread=thread, user=actor).delete()
        added = not deleted
        if added:
            IdeaVote.objects.create(thread=thread, user=actor)
        thread.vote_count = max(thread.vote_count + (1 if added else -1), 0)
        thread.save(update_fields=["vote_count"])
        activity.record(
            "idea.voted" if added else "idea.vote_withdrawn",
            actor=actor,
            community=thread.community,
            obj=thread,
            target_user=thread.author_id,
        )
        _publish_thread(thread, "thread.updated")
    return added


def set_idea_status(actor, thread, *, status, note=""):
    """Move an idea along (new, under review, planned, in progress, done, declined)."""
    if status not in Thread.IdeaStatus.values:
        raise ValidationError(
            {"status": _("Choose one of: %(k)s.") % {"k": ", ".join(Thread.IdeaStatus.values)}}
        )
    permissions.check_set_idea_status(actor, thread)
    note = (note or "").strip()
    validate_text(note)
    limit = Thread._meta.get_field("idea_status_note").max_length
    if len(note) > limit:
        raise ValidationError(
            {"note": _("Keep the note to %(limit)s characters at most.") % {"limit": limit}}
        )
    with transaction.atomic():
        thread = _locked_thread(thread)
        before = thread.idea_status
        thread.idea_status = status
        thread.idea_status_note = note
        thread.save(update_fields=["idea_status", "idea_status_note"])
        activity.record(
            "idea.status_changed",
            actor=actor,
            community=thread.community,
            obj=thread,
            target_user=thread.author_id,
            before=before,
            after=status,
        )
        _publish_thread(thread, "thread.updated")
    return thread

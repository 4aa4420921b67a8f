"""Answering a poll, changing or withdrawing the answer until it closes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from community import activity
from forums import permissions
from forums.actions._common import _locked_thread, _publish_thread
from forums.models import Poll, PollOption, PollVote


def vote_poll(actor, thread, option_ids):
    """Record the actor's answer to a poll, replacing an earlier one until it closes.

    Single choice: exactly one option; multiple: one or more. An empty list
    withdraws the vote.
    """
    permissions.check_vote_poll(actor, thread)
    if not isinstance(option_ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in option_ids
    ):
        raise ValidationError({"options": _("Choose options by their ids.")})
    chosen = set(option_ids)
    with transaction.atomic():
        thread = _locked_thread(thread)
        poll = Poll.objects.select_for_update(of=("self",)).get(thread=thread)
        permissions.check_vote_poll(actor, thread)  # again, under the lock: not closed since
        valid = set(PollOption.objects.filter(poll=poll).values_list("pk", flat=True))
        if not chosen <= valid:
            raise ValidationError({"options": _("These are not options of this poll.")})
        if len(chosen) > 1 and not poll.multiple:
            raise ValidationError({"options": _("This poll takes one answer.")})
        previous = set(
            PollVote.objects.filter(poll=poll, user=actor).values_list("option_id", flat=True)
        )
        if previous == chosen:
            return sorted(chosen)
        PollVote.objects.filter(poll=poll, user=actor).delete()
        PollVote.objects.bulk_create(
            PollVote(poll=poll, option_id=option_id, user=actor) for option_id in chosen
        )
        for option_id in previous - chosen:
            PollOption.objects.filter(pk=option_id).update(vote_count=F("vote_count") - 1)
        for option_id in chosen - previous:
            PollOption.objects.filter(pk=option_id).update(vote_count=F("vote_count") + 1)
        poll.voter_count += (1 if chosen else 0) - (1 if previous else 0)
        poll.save(update_fields=["voter_count"])
        about = {"actor": actor, "community": thread.community, "obj": thread}
        if not previous:
            activity.record("poll.voted", **about, options=sorted(chosen))
        elif chosen:
            activity.record(
                "poll.answer_changed", **about, before=sorted(previous), after=sorted(chosen)
            )
        else:
            activity.record("poll.vote_withdrawn", **about, before=sorted(previous))
        _publish_thread(thread, "thread.updated")
    return sorted(chosen)

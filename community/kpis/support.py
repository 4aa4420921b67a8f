"""Support questions: first response, target, solved, waiting, deflected (``docs/kpis.md``).

Everything is read from the ledger, never from the threads as they are now:

- a **question** is a ``thread.created`` entry of kind ``question``, asked at its time, in
  the community of that entry (a thread moved later keeps it: the ledger keeps history);
- its **first response** is the earliest ``post.created`` entry of its thread with
  ``first_response`` true (the forums set it on the first published post by someone other
  than the author), whatever community that entry is in;
- it is **solved** at a moment when the last ``answer.accepted`` / ``answer.cleared`` entry
  of its thread up to then is an accept (a replaced answer is cleared then accepted in the
  same transaction, so it stays solved).

Figures are "as of the cutoff" (``Period.cutoff``: the end of the range, or now): what
happened afterwards does not change a past period's figures, and a response after the
cutoff does not count yet. A question unanswered at the cutoff counts in the first-response
median and p90 with its waiting time so far: it is never dropped.

Queries: three to load the questions with their first responses and answers (``Asked``),
one for the targets, one for deflections, whatever the number of buckets; the report
loads once for its range and the previous one. Per-question
arithmetic runs on tuples (thread id, community id, times), never on whole rows.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Value,
)
from django.utils import timezone

from community.kpis import definitions, ledger, registry
from community.models import Activity

# The deflection window: the same as ``forums.moderation.curation.deflections.WINDOW``
# (community may not import it; a test checks that the two agree).
DEFLECTION_WINDOW = timedelta(minutes=30)
# Up to this many questions, the responses' query names their threads (``data__thread__in``);
# past it, one scan of the window's first responses is cheaper than the list of ids.
THREAD_FILTER_MAX = 5000
# How far past the target the business-hours walk first looks (see ``_past_target``).
_HORIZON = timedelta(days=8)


@dataclass
class Question:
    thread: int
    community: int
    asked: datetime
    responded: datetime | None = None
    # (time, accepted?) of the thread's answer.accepted / answer.cleared entries, in order.
    answers: list = field(default_factory=list)

    def responded_by(self, cutoff):
        return self.responded is not None and self.responded < cutoff

    def accepted_at(self, cutoff):
        """When it was first accepted, if it is solved at ``cutoff``; else None."""
        state, first = False, None
        for at, accepted in self.answers:
            if at >= cutoff:
                break
            state = accepted
            if accepted and first is None:
                first = at
        return first if state else None


class Asked:
    """The questions asked in ``[since, cutoff)`` with their responses and answers up to
    ``cutoff``, loaded once (three queries, and one for the targets) and then asked for
    any range inside: a question's figures are judged at a cutoff of the caller's
    choosing (``Question.responded_by``, ``accepted_at``), so the report loads its range
    and the previous one together and serves its series, goals and communities from it.
    """

    def __init__(self, scope, since, cutoff):
        self.since, self.cutoff = since, cutoff
        self.questions = _load(scope, since, cutoff)  # in the order they were asked
        self.times = [q.asked for q in self.questions]
        self.targets = registry.response_targets({q.community for q in self.questions})

    def between(self, since, until):
        """The questions asked in ``[since, until)``, a range inside what was loaded."""
        return self.questions[bisect_left(self.times, since) : bisect_left(self.times, until)]


def questions(scope, period, *, asked=None):
    """The ``questions`` block of the report for ``period`` (see the module docstring);
    ``asked``: what the report loaded already (``Asked``), else loaded here."""
    cutoff = period.cutoff
    asked = asked or Asked(scope, period.since, cutoff)
    figures = _figures(asked.between(period.since, cutoff), cutoff, asked.targets)
    figures["deflected"] = _deflected(scope, period.since, period.until, period.now)
    return figures


def series(scope, buckets, *, now=None, asked=None):
    """``{bucket.label: {...}}``: each bucket's figures as if it were a period of its own
    (its cutoff is its end, or ``now``), so a day's point equals that day's report.

    Pass the report's ``period.now`` as ``now`` so that both agree to the microsecond.
    """
    buckets = list(buckets)
    if not buckets:
        return {}
    now = now or timezone.now()
    since, until = buckets[0].since, buckets[-1].until
    asked = asked or Asked(scope, since, min(until, now))
    result = {}
    for bucket in buckets:
        cutoff = min(bucket.until, now)
        figures = _figures(asked.between(bucket.since, cutoff), cutoff, asked.targets)
        result[bucket.label] = {
            "first_response_median_seconds": figures["first_response_median_seconds"],
            "first_response_p90_seconds": figures["first_response_p90_seconds"],
            "answered_within_target_share": figures["answered_within_target_share"],
            "solved_share": figures["solved_share"],
            "questions_asked": figures["asked"],
        }
    return result


def by_community(scope, period, *, asked=None):
    """``{community_id: figures}``: the ``questions`` block of each community of the scope
    (deflections aside), from one load of the questions (communities side by side)."""
    cutoff = period.cutoff
    asked = asked or Asked(scope, period.since, cutoff)
    grouped = defaultdict(list)
    for question in asked.between(period.since, cutoff):
        grouped[question.community].append(question)
    return {pk: _figures(grouped.get(pk, []), cutoff, asked.targets) for pk in scope.ids}


# --- Reading the ledger -----------------------------------------------------------------


def _load(scope, since, cutoff):
    """The questions asked in ``[since, cutoff)`` with their responses and answers up to
    ``cutoff`` (three queries; the last two only if any question was asked)."""
    rows = (
        ledger.entries(scope, definitions.QUESTION_ASKED, since, cutoff)
        .filter(data__kind=definitions.QUESTION_KIND)
        .values_list("object_id", "community_id", "created_at")
        .order_by("created_at", "id")
    )
    found = {}
    for thread, community, at in rows:
        found.setdefault(thread, Question(thread, community, at))  # the first, if ever twice
    if not found:
        return []
    first_asked = min(q.asked for q in found.values())
    responses = Activity.objects.filter(
        verb=definitions.FIRST_RESPONSE,
        created_at__gte=first_asked,
        created_at__lt=cutoff,
        data__first_response=True,
    )
    for thread, at in _for_threads(responses, found).values_list("data__thread", "created_at"):
        question = found.get(thread)
        if question is not None and (question.responded is None or at < question.responded):
            question.responded = at
    answers = Activity.objects.filter(
        verb__in=(definitions.ANSWER_ACCEPTED, definitions.ANSWER_CLEARED),
        created_at__gte=first_asked,
        created_at__lt=cutoff,
    ).order_by("created_at", "id")
    for verb, thread, at in _for_threads(answers, found).values_list(
        "verb", "data__thread", "created_at"
    ):
        question = found.get(thread)
        if question is not None:
            question.answers.append((at, verb == definitions.ANSWER_ACCEPTED))
    return list(found.values())


def _for_threads(queryset, found):
    if len(found) <= THREAD_FILTER_MAX:
        return queryset.filter(data__thread__in=list(found))
    return queryset


def _deflected(scope, since, until, now):
    """Deflections (``forums.moderation.curation.deflections``' definition), summed over the
    scope's communities: ``similar.opened`` entries by a member who then posted no thread
    and opened no other suggestion in that community within the window, counted once the
    window has passed."""
    end = min(until, now - DEFLECTION_WINDOW)
    window_end = ExpressionWrapper(
        OuterRef("created_at") + Value(DEFLECTION_WINDOW, output_field=DurationField()),
        output_field=DateTimeField(),
    )
    later = Activity.objects.filter(
        community_id=OuterRef("community_id"),
        actor_id=OuterRef("actor_id"),
        created_at__gt=OuterRef("created_at"),
        created_at__lte=window_end,
    )
    return (
        Activity.objects.filter(
            verb=definitions.DEFLECTION,
            community_id__in=scope.ids,
            actor__isnull=False,
            created_at__gte=since,
            created_at__lt=end,
        )
        .filter(
            ~Exists(later.filter(verb__in=definitions.DEFLECTION_POSTED)),
            ~Exists(later.filter(verb=definitions.DEFLECTION)),
        )
        .count()
    )


# --- Arithmetic -------------------------------------------------------------------------


def _figures(asked, cutoff, targets):
    waits, to_accept = [], []
    counts = defaultdict(int)
    for question in asked:
        target = targets.get(question.community, registry.DEFAULT_TARGET)
        if question.responded_by(cutoff):
            counts["answered"] += 1
            waits.append(_seconds(question.asked, question.responded))
            within = _within_target(target, question.asked, question.responded)
            counts["within" if within else "missed"] += 1
        else:
            # Never dropped: its waiting time so far counts.
            waits.append(_seconds(question.asked, cutoff))
            if _past_target(target, question.asked, cutoff):
                counts["missed"] += 1
        accepted = question.accepted_at(cutoff)
        if accepted is not None:
            counts["solved"] += 1
            to_accept.append(_seconds(question.asked, accepted))
    total = len(asked)
    within, missed, solved = counts["within"], counts["missed"], counts["solved"]
    return {
        "asked": total,
        "answered": counts["answered"],
        "first_response_median_seconds": ledger.median(waits),
        "first_response_p90_seconds": ledger.percentile(waits, 90),
        "answered_within_target": within,
        "missed_target": missed,
        "answered_within_target_share": ledger.share(within, within + missed),
        "solved": solved,
        "solved_share": ledger.share(solved, total),
        "time_to_accepted_median_seconds": ledger.median(to_accept),
        "waiting": total - counts["answered"],
    }


def _seconds(start, end):
    return max(0.0, (end - start).total_seconds())


def _within_target(target, asked, responded):
    """Answered within the target's open (business-hours) time."""
    if _seconds(asked, responded) <= target.seconds:
        return True  # open time never exceeds the wall clock
    if target.always_open:
        return False
    return target.open_seconds(asked, responded) <= target.seconds


def _past_target(target, asked, cutoff):
    """Still unanswered at ``cutoff`` with more open time than the target behind it."""
    if _seconds(asked, cutoff) <= target.seconds:
        return False
    if target.always_open:
        return True
    # Open time only grows with the end: a first look a week past the target settles most
    # long waits without walking every day up to the cutoff.
    probe = min(cutoff, asked + timedelta(seconds=target.seconds) + _HORIZON)
    if target.open_seconds(asked, probe) > target.seconds:
        return True
    return probe < cutoff and target.open_seconds(asked, cutoff) > target.seconds

"""The reputation ledger: points per member and community, fed by the forums' domain events.

What earns points (``POINTS``), to the member who wrote the thing, in its community:

- ``reaction``: a reaction to a post of yours, from someone else, per giver and kind
  (``reaction:<post>:<giver>:<kind>``). Nothing for reacting to yourself.
- ``accepted``: a reply of yours accepted as a question's answer (``accepted:<post>``);
  nothing when the post is the asker's own.
- ``idea``: an idea of yours planned (``idea:<thread>:planned``, held while it is planned,
  in progress or done) and done (``idea:<thread>:done``, 10 more). Moving it back
  (to new, under review, declined; or from done to in progress) takes them back.
- ``welcome``: the first reply by someone else to a newcomer's question (a question that
  was the asker's first thread in that community), once the asker marks it helpful
  (``welcome:<post>``). "Marks it helpful" is the asker's own **Helpful** reaction
  (``forums.models.Reaction.Kind.HELPFUL``) on that reply: the forum has a reaction of
  that name, so the bonus follows what the member sees and clicks. Accepting the reply
  is not the mark (it earns the accepted answer's points already, and a moderator may
  accept on the asker's behalf); the other reaction kinds are not either.

How: each receiver (background tasks, so the request that caused the event never waits)
settles the keys its entry concerns. Under the member's ``Reputation`` row lock it reads
what the forum's state deserves now for each key (``_targets``), and writes, for each key
whose net differs, one entry of the difference: a gain, or the reversing entry of a
withdrawal (a reaction taken back, an answer cleared, an idea moved back, a post deleted
by its author or a moderator). So a reversal writes minus the key's current net, nothing
when there is nothing to reverse, and entries delivered late or out of order still end at
what the forum shows. The ledger is append-only; ``Reputation.points`` is set from the
ledger's sum in the same transaction, so a total always equals the sum of its entries.
The unique (activity, member, key) constraint makes a re-delivered entry add nothing.

A change of rank (``badges.levels``) tells the member (``badges.notify.level_changed``,
when they may still read the community) and records ``level.changed`` (actor None; data
``before`` and ``after`` are ranks, ``points`` the new total). ``recompute_ranks`` after
a ladder change is set-based and tells nobody: the member did nothing.
"""

import logging
import math

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from badges import levels, notify
from badges.models import Level, Reputation, ReputationEntry
from community import activity, permissions
from community.models import Community, User
from forums.models import Post, Reaction, Thread

logger = logging.getLogger(__name__)

POINTS = {"reaction": 2, "accepted": 15, "idea_planned": 10, "idea_done": 10, "welcome": 5}

# The idea statuses at which an idea counts as planned (and still does once in progress or done).
PLANNED = (Thread.IdeaStatus.PLANNED, Thread.IdeaStatus.IN_PROGRESS, Thread.IdeaStatus.DONE)
# The reaction by which the asker marks a newcomer's first reply helpful (module docstring).
HELPFUL = Reaction.Kind.HELPFUL


def connect():
    """Listen to the forums' verbs, in background tasks. Call from BadgesConfig.ready()."""
    activity.connect(("reaction.added", "reaction.removed"), on_reaction, background=True)
    activity.connect(("answer.accepted", "answer.cleared"), on_answer, background=True)
    activity.connect("idea.status_changed", on_idea_status, background=True)
    activity.connect("post.deleted", on_post_deleted, background=True)


# --- Receivers: each settles the keys of one member that its entry concerns -------------


def on_reaction(entry):
    """A reaction added or taken back: the author's points for it, and the welcome bonus
    when it is the asker's Helpful reaction."""
    author, giver = entry.target_user_id, entry.actor_id
    if author is None or giver is None or author == giver:
        return  # an account since deleted, or a reaction to oneself: never any points
    post_id, kind = entry.object_id, entry.data["kind"]
    keys = [f"reaction:{post_id}:{giver}:{kind}"]
    if kind == HELPFUL:
        keys.append(f"welcome:{post_id}")
    _settle(entry, author, lambda: _post_targets(post_id, keys))


def on_answer(entry):
    """An answer accepted, or cleared (replaced, withdrawn, deleted)."""
    if entry.target_user_id is None:
        return
    post_id = entry.object_id
    _settle(entry, entry.target_user_id, lambda: _post_targets(post_id, [f"accepted:{post_id}"]))


def on_idea_status(entry):
    """An idea moved along, or back."""
    if entry.target_user_id is None:
        return
    thread_id = entry.object_id
    _settle(entry, entry.target_user_id, lambda: _idea_targets(thread_id))


def on_post_deleted(entry):
    """A post deleted by its author or a moderator: every key about it goes back to zero."""
    if entry.target_user_id is None:
        return
    post_id = entry.object_id
    about = (
        Q(key__startswith=f"reaction:{post_id}:")
        | Q(key=f"accepted:{post_id}")
        | Q(key=f"welcome:{post_id}")
    )

    def targets():
        held = _nets(entry.target_user_id, entry.community_id, about)
        return {key: 0 for key, net in held.items() if net}

    _settle(entry, entry.target_user_id, targets)


# --- What the forum's state deserves now, per key ------------------------------------


def _post_targets(post_id, keys):
    """The points each key about one post deserves now (zero once it is deleted)."""
    post = Post.objects.select_related("thread").filter(pk=post_id).first()
    if post is None or post.is_deleted or post.author_id is None:
        return dict.fromkeys(keys, 0)
    targets = {}
    for key in keys:
        what, _sep, rest = key.partition(":")
        if what == "reaction":
            _post, giver, kind = rest.split(":")
            given = int(giver) != post.author_id and (
                Reaction.objects.filter(post=post, user_id=giver, kind=kind).exists()
            )
            targets[key] = POINTS["reaction"] if given else 0
        elif what == "accepted":
            thread = post.thread
            accepted = thread.accepted_post_id == post.pk and post.author_id != thread.author_id
            targets[key] = POINTS["accepted"] if accepted else 0
        elif what == "welcome":
            targets[key] = POINTS["welcome"] if _welcomed(post) else 0
    return targets


def _welcomed(post):
    """Is ``post`` the first reply by someone else to a newcomer's question, marked helpful
    by the asker?"""
    thread = post.thread
    asker = thread.author_id
    if thread.kind != Thread.Kind.QUESTION or asker is None or post.author_id == asker:
        return False
    if not Reaction.objects.filter(post=post, user_id=asker, kind=HELPFUL).exists():
        return False
    first_reply = (
        Post.objects.filter(thread=thread, number__gt=1)
        .exclude(author_id=asker)
        .order_by("number")
        .values_list("pk", flat=True)
        .first()
    )
    if first_reply != post.pk:
        return False
    first_thread = (
        Thread.objects.filter(community_id=thread.community_id, author_id=asker)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return first_thread == thread.pk


def _idea_targets(thread_id):
    thread = Thread.objects.filter(pk=thread_id).only("kind", "author_id", "idea_status").first()
    status = thread.idea_status if thread is not None and thread.kind == Thread.Kind.IDEA else ""
    return {
        f"idea:{thread_id}:planned": POINTS["idea_planned"] if status in PLANNED else 0,
        f"idea:{thread_id}:done": POINTS["idea_done"] if status == Thread.IdeaStatus.DONE else 0,
    }


# --- The write: entries, total and rank, in one transaction --------------------------


def _nets(user_id, community_id, keys_filter):
    """``{key: net points}`` of one member's keys matching ``keys_filter`` (a Q)."""
    return dict(
        ReputationEntry.objects.filter(keys_filter, user_id=user_id, community_id=community_id)
        .order_by()
        .values("key")
        .annotate(net=Sum("points"))
        .values_list("key", "net")
    )


def _locked_reputation(user_id, community_id):
    """The member's Reputation row in the community, locked until commit (created if new)."""
    rows = Reputation.objects.select_for_update()
    row = rows.filter(user_id=user_id, community_id=community_id).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():  # a savepoint: another worker may create it first
            return Reputation.objects.create(user_id=user_id, community_id=community_id)
    except IntegrityError:
        return rows.get(user_id=user_id, community_id=community_id)


def _settle(entry, user_id, targets):
    """Bring one member's keys to what ``targets()`` says they deserve now, for ``entry``.

    ``targets`` runs under the member's row lock, so that two workers settling the same
    key (a reaction added, then taken back) read the forum and the ledger one after the
    other and agree on the result.
    """
    community_id = entry.community_id
    with transaction.atomic():
        reputation = _locked_reputation(user_id, community_id)
        wanted = targets()
        if not wanted:
            return
        nets = _nets(user_id, community_id, Q(key__in=list(wanted)))
        changes = [
            ReputationEntry(
                user_id=user_id,
                community_id=community_id,
                points=points - nets.get(key, 0),
                reason=key.partition(":")[0],
                key=key,
                activity_id=entry.pk,
                created_at=entry.created_at,
            )
            for key, points in wanted.items()
            if points != nets.get(key, 0)
        ]
        if not changes:
            return
        # A re-delivered entry conflicts on (activity, user, key) and adds nothing.
        ReputationEntry.objects.bulk_create(changes, ignore_conflicts=True)
        _update_total(reputation, expected=reputation.points + sum(c.points for c in changes))


def _update_total(reputation, *, expected):
    """Set the locked row's points from the ledger, its rank from the ladder; tell the member."""
    total = (
        ReputationEntry.objects.filter(
            user_id=reputation.user_id, community_id=reputation.community_id
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )
    if total != expected:
        # A conflicting (re-delivered) entry was skipped, or the row had drifted: the
        # ledger is the truth.
        logger.info(
            "Reputation of %s in %s: ledger %s, expected %s",
            reputation.user_id,
            reputation.community_id,
            total,
            expected,
        )
    steps = levels.ladders([reputation.community_id])[reputation.community_id]
    before = levels.standing(reputation.points, steps)
    after = levels.standing(total, steps)
    reputation.points, reputation.rank = total, after["rank"]
    reputation.updated_at = timezone.now()
    reputation.save(update_fields=["points", "rank", "updated_at"])
    if before["rank"] != after["rank"]:
        _level_changed(reputation, before, after)


def _level_changed(reputation, before, after):
    community = Community.objects.get(pk=reputation.community_id)
    member = User.objects.get(pk=reputation.user_id)
    if permissions.can_read(member, community):
        notify.level_changed(member.pk, community, before, after, reputation.points)
    activity.record(
        "level.changed",
        community=community,
        target_user=member,
        before=before["rank"],
        after=after["rank"],
        points=reputation.points,
    )


# --- Reading ------------------------------------------------------------------------


def points_of(user, community):
    """The member's points in the community (0 before their first)."""
    return (
        Reputation.objects.filter(user=user, community=community)
        .values_list("points", flat=True)
        .first()
        or 0
    )


def standing_of(user, community):
    """The member's level object in the community (``badges.levels.standing``)."""
    return levels.standing(points_of(user, community), levels.ladder(community))


def recompute_ranks(community):
    """Set every member's rank from their points and the community's ladder as it is now.

    For after a change of thresholds: one UPDATE, whatever the member count; tells
    nobody (the members did nothing). The ladder is read from its rows, not the cache,
    so that a change made in the caller's transaction counts. Return how many changed.
    """
    rows = list(Level.objects.filter(community=community).order_by("rank"))
    steps = (
        [levels.Step(row.rank, row.name, row.threshold) for row in rows]
        if rows
        else levels.default_ladder()
    )
    rank = Case(
        *[When(points__gte=step.threshold, then=Value(step.rank)) for step in reversed(steps)],
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        Reputation.objects.filter(community=community)
        .filter(~Q(rank=rank))
        .update(rank=rank, updated_at=timezone.now())
    )


def _ways():
    """Each way to earn points, fastest first: (reason, label)."""
    return (
        ("accepted", _("An answer of yours accepted: %(points)d points")),
        ("idea_planned", _("An idea of yours planned: %(points)d points")),
        ("idea_done", _("An idea of yours done: %(points)d more points")),
        (
            "welcome",
            _(
                "The first reply to a newcomer's question, marked helpful by them: "
                "%(points)d points"
            ),
        ),
        ("reaction", _("A reaction from another member: %(points)d points")),
    )


def next_steps(user, community):
    """What it takes to reach the next level: the fastest ways, each with how many of it
    would close the gap. Empty at the top of the ladder.

    ``[{"reason", "label", "points", "count", "hint"}]``, fastest first; ``count`` of
    that alone would be enough for the ``points_needed`` of ``standing_of``.
    """
    standing = standing_of(user, community)
    if standing["next"] is None:
        return []
    return ways_to(standing["next"]["points_needed"])


def ways_to(missing):
    """The ways to earn ``missing`` points, fastest first, each with how many of it alone
    would be enough (no query: the same ways everywhere)."""
    steps = []
    for reason, label in _ways():
        points = POINTS[reason]
        count = math.ceil(missing / points)
        steps.append(
            {
                "reason": reason,
                "label": label % {"points": points},
                "points": points,
                "count": count,
                "hint": ngettext(
                    "%(count)d of these would be enough.",
                    "%(count)d of these would be enough.",
                    count,
                )
                % {"count": count},
            }
        )
    return steps

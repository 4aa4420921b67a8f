"""The rule templates' queries: one set-based statement each (see ``badges.rules``).

Each takes the validated ``params``, the badge's community (None: site-wide) and
optionally ``user_ids``, and returns a queryset of ``{"user_id", "achieved_at"}`` rows.
"""

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lag, RowNumber

from badges.levels import DEFAULTS as DEFAULT_LADDER
from badges.models import Endorsement, Level, Reputation, ReputationEntry
from badges.rules.sql import GroupedWindow, Scanned, UtcDay, UtcHour
from community.models import Activity, Community
from forums.models import Post, PostRevision, Reaction, Thread

PLANNED = (Thread.IdeaStatus.PLANNED, Thread.IdeaStatus.IN_PROGRESS, Thread.IdeaStatus.DONE)
# The night, in UTC hours: [NIGHT_START, NIGHT_END).
NIGHT_START, NIGHT_END = 0, 5
PUBLIC = Community.Visibility.PUBLIC


def _in_scope(queryset, community, path):
    """Rows of the badge's community; for a site-wide badge, of public communities only.

    A site-wide badge is shown to everyone: earned from a private or hidden community's
    activity, it would tell an outsider what its members do there, or that it exists
    (a globe-trotter of two communities when one is public).
    """
    if community is not None:
        return queryset.filter(**{path: community})
    return queryset.filter(**{f"{path}__visibility": PUBLIC})


def _posts(community, user_ids):
    """Posts that count: not deleted, with an author, in scope, of ``user_ids`` if given.

    Unordered (the model orders by number: a sort that nothing needs). The author is
    tested through ``Scanned``: a plain ``author_id IS NOT NULL`` sends SQLite to its
    index.
    """
    posts = (
        Post.objects.filter(deleted_at__isnull=True)
        .alias(author_key=Scanned("author_id"))
        .filter(author_key__isnull=False)
        .order_by()
    )
    if user_ids is not None:
        posts = posts.filter(author_id__in=user_ids)
    if community is not None and user_ids is not None:
        # A few members' posts: found by author, then kept if in the community (SQLite
        # would rather walk the community's threads).
        posts = posts.alias(place=Scanned("thread__community_id")).filter(place=community.pk)
    else:
        posts = _in_scope(posts, community, "thread__community")
    return posts


def _nth(queryset, n, *, user, at, order=("pk",)):
    """The row where each member's running count reaches ``n``, ordered by ``at``."""
    return (
        queryset.annotate(
            position=Window(
                RowNumber(),
                partition_by=[Scanned(user)],
                order_by=[F(at).asc(), *(F(name).asc() for name in order)],
            )
        )
        .filter(position=n)
        .values(user_id=F(user), achieved_at=F(at))
    )


# --- the templates ----------------------------------------------------------------------


def first_post(params, community, user_ids=None):
    return (
        _posts(community, user_ids)
        .values(user_id=Scanned("author_id"))
        .annotate(achieved_at=Min("created_at"))
    )


def _accepted_at():
    """When a post became the answer: its latest ``answer.accepted`` entry, or for data
    from before the ledger (no entry), when it was posted.

    The entry names the answer's author as its ``target_user``: looking it up by that
    (an indexed column) reads the author's few entries, not every acceptance.
    """
    entries = Activity.objects.filter(
        target_user_id=OuterRef("author_id"),
        verb="answer.accepted",
        object_type="post",
        object_id=OuterRef("pk"),
    )
    latest = entries.order_by().values("object_id").annotate(at=Max("created_at")).values("at")
    return Coalesce(Subquery(latest), F("created_at"))


def accepted_answers(params, community, user_ids=None):
    """Answers accepted by someone else (accepting one's own reply earns nothing)."""
    # An answer is its own thread's accepted post (a join, not an IN list: SQLite would
    # probe the whole list for each thread).
    answers = (
        _posts(community, user_ids)
        .filter(thread__accepted_post_id=F("pk"))
        .exclude(author_id=F("thread__author_id"))
        .annotate(accepted_at=_accepted_at())
    )
    return _nth(answers, params["n"], user="author_id", at="accepted_at")


def first_accepted_answer(params, community, user_ids=None):
    return accepted_answers({"n": 1}, community, user_ids)


def idea_planned(params, community, user_ids=None):
    """An idea of theirs planned (or in progress, or done): since the first time it moved
    there (its ``idea.status_changed`` entry), or its creation for data before the ledger."""
    ideas = Thread.objects.filter(kind=Thread.Kind.IDEA, idea_status__in=PLANNED)
    ideas = ideas.filter(author__isnull=False)
    ideas = _in_scope(ideas, community, "community")
    if user_ids is not None:
        ideas = ideas.filter(author_id__in=user_ids)
    moved = Activity.objects.filter(
        target_user_id=OuterRef("author_id"),
        verb="idea.status_changed",
        object_type="thread",
        object_id=OuterRef("pk"),
        data__after__in=list(PLANNED),
    ).order_by("created_at", "id")
    return (
        ideas.annotate(
            planned_at=Coalesce(Subquery(moved.values("created_at")[:1]), F("created_at"))
        )
        .values(user_id=F("author_id"))
        .annotate(achieved_at=Min("planned_at"))
    )


def post_reactions(params, community, user_ids=None):
    """A post of theirs with ``n`` reactions from others: when the n-th arrived.

    Each reaction counts (one member's "like" and "helpful" are two), never the
    author's own. One row per such post; the earliest is the achievement.
    """
    posts = _posts(community, user_ids)
    if user_ids is None:
        # Only posts with n reactions or more (their own included) need numbering.
        many = Reaction.objects.order_by().values("post_id").annotate(count=Count("id"))
        posts = posts.filter(pk__in=many.filter(count__gte=params["n"]).values("post_id"))
    reactions = (
        posts.alias(reactor=F("reactions__user_id"), reacted_at=F("reactions__created_at"))
        .filter(reactor__isnull=False)
        .exclude(reactor=F("author_id"))
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("pk")],
                order_by=[F("reacted_at").asc(), F("reactions__id").asc()],
            )
        )
    )
    return reactions.filter(position=params["n"]).values(
        user_id=F("author_id"), achieved_at=F("reacted_at")
    )


def newcomer_first_replies(params, community, user_ids=None):
    """The first reply (by someone else) to a newcomer's question: a question that is
    its author's first thread in that community. Counted per replier; the n-th's date."""
    # An earlier thread of the asker in that community. The community is compared
    # through an expression so that SQLite, which has no statistics, looks the asker's
    # few threads up by author rather than every thread of the community.
    earlier = (
        Thread.objects.alias(place=F("community_id") + 0)
        .filter(place=OuterRef("thread__community_id"), author=OuterRef("thread__author_id"))
        .filter(
            Q(created_at__lt=OuterRef("thread__created_at"))
            | Q(created_at=OuterRef("thread__created_at"), pk__lt=OuterRef("thread_id"))
        )
    )
    replies = (
        _posts(community, user_ids)
        .filter(
            thread__kind=Thread.Kind.QUESTION,
            thread__author__isnull=False,
            created_at=F("thread__first_response_at"),
        )
        .exclude(author_id=F("thread__author_id"))
        .filter(~Exists(earlier))
    )
    return _nth(replies, params["n"], user="author_id", at="created_at")


def active_streak(params, community, user_ids=None):
    """Posts on ``days`` consecutive calendar days (UTC): the first post of the last day.

    Gaps and islands with one window: over a member's distinct days in order, the day
    ``days - 1`` rows back is exactly ``days - 1`` days back only when none is missing.
    """
    back = params["days"] - 1
    days = (
        _posts(community, user_ids)
        .annotate(day=UtcDay("created_at"), member=Scanned("author_id"))
        .values("member", "day")
        .annotate(
            first_at=Min("created_at"),
            earlier=GroupedWindow(
                Lag("day", back), partition_by=[F("member")], order_by=F("day").asc()
            ),
        )
    )
    return days.filter(earlier=F("day") - back).values(
        user_id=F("member"), achieved_at=F("first_at")
    )


def _threshold(rank):
    """The points needed for ``rank`` in the entry's community: its own ladder if it has
    one (NULL if that ladder is shorter), else the default ladder."""
    own = Level.objects.filter(community=OuterRef("community_id")).order_by()
    default = DEFAULT_LADDER[rank][1] if rank < len(DEFAULT_LADDER) else None
    return Case(
        When(Exists(own), then=Subquery(own.filter(rank=rank).values("threshold")[:1])),
        default=Value(default, output_field=IntegerField()),
        output_field=IntegerField(),
    )


def level_reached(params, community, user_ids=None):
    """Level ``rank`` (0 is the first step) held in a community (site-wide: in any):
    since the running sum of their reputation ledger first met its threshold.

    Members are those whose level is at least ``rank`` now (``Reputation.rank``, kept
    by ``badges.reputation``); only their ledger is read for the date.
    """
    holders = Reputation.objects.filter(rank__gte=params["rank"])
    entries = ReputationEntry.objects.order_by()
    entries = _in_scope(entries, community, "community")
    holders = _in_scope(holders, community, "community")
    if user_ids is not None:
        entries = entries.filter(user_id__in=user_ids)
        holders = holders.filter(user_id__in=user_ids)
    entries = entries.filter(user_id__in=holders.values("user_id"))
    running = entries.annotate(
        running=Window(
            Sum("points"),
            partition_by=[Scanned("user_id"), F("community_id")],
            order_by=[F("created_at").asc(), F("id").asc()],
        ),
        needed=_threshold(params["rank"]),
    )
    return running.filter(running__gte=F("needed")).values("user_id", achieved_at=F("created_at"))


def endorsed(params, community, user_ids=None):
    """Endorsed ``n`` times (by anyone, for any quality, or for the one named)."""
    endorsements = Endorsement.objects.all()
    endorsements = _in_scope(endorsements, community, "community")
    if params.get("quality"):
        endorsements = endorsements.filter(quality__slug=params["quality"])
    if user_ids is not None:
        endorsements = endorsements.filter(endorsee_id__in=user_ids)
    return _nth(endorsements, params["n"], user="endorsee_id", at="created_at")


def night_owl(params, community, user_ids=None):
    """At least ``min_posts`` posts and ``share`` % of them at night (00:00-05:00 UTC).

    A share of all their posts moves with every post, so it has no single moment of
    crossing to date: the date is their latest night post, the last time the trait was
    confirmed (a member whose share later falls keeps the trait, as every badge stays).
    """
    night = Q(hour__gte=NIGHT_START, hour__lt=NIGHT_END)
    return (
        _posts(community, user_ids)
        .annotate(hour=UtcHour("created_at"))
        .values(user_id=Scanned("author_id"))
        .annotate(
            total=Count("id"),
            nights=Count("id", filter=night),
            achieved_at=Max("created_at", filter=night),
        )
        # nights / total >= share / 100, in integers.
        .alias(margin=F("nights") * 100 - F("total") * params["share"])
        .filter(total__gte=params["min_posts"], margin__gte=0)
        .values("user_id", "achieved_at")
    )


def perfectionist(params, community, user_ids=None):
    """``edits`` edits of their own posts (a revision whose editor is the post's author)."""
    revisions = PostRevision.objects.filter(
        editor_id=F("post__author_id"), post__deleted_at__isnull=True
    ).order_by()
    revisions = _in_scope(revisions, community, "post__thread__community")
    if user_ids is not None:
        revisions = revisions.filter(editor_id__in=user_ids)
    else:
        # Only those with that many edits at all (of anything) need a closer look.
        busy = PostRevision.objects.order_by().values("editor_id").annotate(count=Count("id"))
        revisions = revisions.filter(
            editor_id__in=busy.filter(count__gte=params["edits"]).values("editor_id")
        )
    return _nth(revisions, params["edits"], user="editor_id", at="created_at")


def globe_trotter(params, community, user_ids=None):
    """Posts in ``communities`` distinct communities: the first post in the n-th."""
    firsts = (
        _posts(None, user_ids)
        .annotate(member=Scanned("author_id"))
        .values("member", "thread__community_id")
        .annotate(
            first_at=Min("created_at"),
            position=GroupedWindow(
                RowNumber(),
                partition_by=[F("member")],
                order_by=[F("first_at").asc(), F("thread__community_id").asc()],
            ),
        )
    )
    return firsts.filter(position=params["communities"]).values(
        user_id=F("member"), achieved_at=F("first_at")
    )

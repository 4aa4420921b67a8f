"""Leaderboards per community and period, and the managers' ambassador view.

Both aggregate in SQL: a fixed number of queries whatever the member count (and the
community's ladder, cached). Only the community's active members appear; ties are
ordered by points, then username. Neither asks who is looking: callers show them only
to those who may read the community (``badges.visibility``), the ambassador view to
its managers (``community.permissions.can_manage_badges``).

Periods are rolling: "week" is the last 7 days, "month" the last 30, "all" the member's
total (``Reputation``). A period's points are the sum of the ledger entries dated in it,
reversals included, so a reaction taken back this week counts against this week; members
whose sum is zero or less are left out, as are members without points at all.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from badges import levels
from badges.models import Endorsement, Reputation, ReputationEntry
from community.models import Membership, User
from forums.models import Post, Reaction, Thread

PERIODS = ("week", "month", "all")
DAYS = {"week": 7, "month": 30}
ORDERS = ("points", "posts")  # the ambassador view: most helpful, most active


def _active(community, user_ref):
    return Exists(
        Membership.objects.filter(
            community=community, user=OuterRef(user_ref), state=Membership.State.ACTIVE
        )
    )


def _points(community, user_ref):
    """A member's total points in the community, as a subquery (0 without any)."""
    return Coalesce(
        Subquery(
            Reputation.objects.filter(community=community, user=OuterRef(user_ref)).values(
                "points"
            )[:1]
        ),
        Value(0),
    )


def _ranked(rows, steps):
    """Number the rows (equal points share a rank: 1, 2, 2, 4) and add their level."""
    board, previous, rank = [], None, 0
    for position, row in enumerate(rows, start=1):
        if row["points"] != previous:
            rank, previous = position, row["points"]
        board.append(
            {
                "rank": rank,
                "username": row["username"],
                "display_name": row["display_name"] or row["username"],
                "points": row["points"],
                "level": levels.standing(row["total"], steps),
            }
        )
    return board


def leaderboard(community, period, *, limit=20):
    """The community's top members for ``period`` ("week", "month" or "all"):
    ``[{"rank", "username", "display_name", "points", "level"}]``; ``points`` are the
    period's, ``level`` the member's level now (from their total)."""
    if period not in PERIODS:
        raise ValidationError(
            {"period": _("Choose one of: %(p)s.") % {"p": ", ".join(PERIODS)}},
            code="invalid_period",
        )
    if period == "all":
        rows = (
            Reputation.objects.filter(community=community, points__gt=0)
            .filter(_active(community, "user_id"))
            .order_by("-points", "user__username")
            .values(
                "points",
                total=F("points"),
                username=F("user__username"),
                display_name=F("user__profile__display_name"),
            )[:limit]
        )
    else:
        since = timezone.now() - timedelta(days=DAYS[period])
        rows = (
            ReputationEntry.objects.filter(community=community, created_at__gte=since)
            .filter(_active(community, "user_id"))
            # The member's total, joined once per member rather than a subquery per entry.
            .annotate(
                reputation=FilteredRelation(
                    "user__reputations", condition=Q(user__reputations__community=community)
                )
            )
            .values(
                "user_id",
                username=F("user__username"),
                display_name=F("user__profile__display_name"),
            )
            .annotate(points=Sum("points"), total=Coalesce(Max("reputation__points"), Value(0)))
            .filter(points__gt=0)
            .order_by("-points", "username")[:limit]
        )
    rows = list(rows)
    return _ranked(rows, levels.ladder(community)) if rows else []


def _count(queryset, field):
    """A correlated COUNT(*) of ``queryset`` per ``field`` = the outer user, 0 if none."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def ambassadors(community, *, limit=20, by="points"):
    """The most helpful (``by="points"``) or most active (``by="posts"``) active members,
    with their figures, for the managers to recruit brand ambassadors:
    ``[{"username", "display_name", "posts", "replies", "accepted", "reactions_received",
    "endorsements", "points", "level"}]``.

    ``posts``: their posts in the community, not deleted; ``replies``: those in threads
    opened by someone else; ``accepted``: their answers accepted; ``reactions_received``:
    reactions of others to their posts; ``endorsements``: qualities endorsed in this
    community. Two queries: who, then their figures.
    """
    if by not in ORDERS:
        raise ValidationError(
            {"by": _("Choose one of: %(o)s.") % {"o": ", ".join(ORDERS)}}, code="invalid_order"
        )
    posts = Post.objects.filter(thread__community=community, deleted_at__isnull=True)
    if by == "points":
        ids = list(
            Reputation.objects.filter(community=community, points__gt=0)
            .filter(_active(community, "user_id"))
            .order_by("-points", "user__username")
            .values_list("user_id", flat=True)[:limit]
        )
    else:
        ids = list(
            posts.filter(_active(community, "author_id"))
            .values("author_id")
            .annotate(n=Count("id"), username=F("author__username"))
            .order_by("-n", "username")
            .values_list("author_id", flat=True)[:limit]
        )
    if not ids:
        return []
    figures = {
        "posts": _count(posts, "author"),
        "replies": _count(posts.filter(number__gt=1).exclude(thread__author=F("author")), "author"),
        "accepted": _count(
            Thread.objects.filter(
                community=community, accepted_post__deleted_at__isnull=True
            ).exclude(accepted_post__author=F("author")),
            "accepted_post__author",
        ),
        "reactions_received": _count(
            Reaction.objects.filter(
                post__thread__community=community, post__deleted_at__isnull=True
            ).exclude(user=F("post__author")),
            "post__author",
        ),
        "endorsements": _count(Endorsement.objects.filter(community=community), "endorsee"),
        "points": _points(community, "pk"),
    }
    # Aliased: some figures are named like User's reverse relations ("posts").
    rows = User.objects.filter(pk__in=ids).values(
        "username",
        display_name=F("profile__display_name"),
        **{f"figure_{name}": value for name, value in figures.items()},
    )
    members = [
        {
            "username": row["username"],
            "display_name": row["display_name"] or row["username"],
            **{name: row[f"figure_{name}"] for name in figures},
        }
        for row in rows
    ]
    steps = levels.ladder(community)
    return [
        {**member, "level": levels.standing(member["points"], steps)}
        for member in sorted(members, key=lambda m: (-m[by], m["username"]))
    ]

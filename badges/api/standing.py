"""Levels, leaderboards and the managers' ambassador view of a community."""

from typing import Literal

from ninja import Field, Query, Router, Schema

from badges import actions, leaderboard, levels
from badges.api._common import coded, readable_community
from community import permissions
from community import queries as community_queries
from community.apitools import ANY_AUTH, Extensible, Slug

router = Router(tags=["levels"])


class LevelIn(Schema):
    name: str = Field(..., max_length=200)
    threshold: int = Field(..., ge=-2_000_000_000, le=2_000_000_000)


class LevelsIn(Schema):
    levels: list[LevelIn] = Field(..., max_length=50)


class LevelOut(Schema):
    rank: int
    name: str
    threshold: int


class LevelsOut(Schema):
    community: str
    default: bool = Field(..., description="True while the community keeps the default ladder.")
    levels: list[LevelOut]


class LeaderOut(Extensible):
    rank: int
    username: str
    display_name: str
    points: int
    level: dict


class LeaderboardOut(Schema):
    community: str
    period: str
    items: list[LeaderOut]


class AmbassadorOut(Extensible):
    username: str
    display_name: str
    posts: int
    replies: int
    accepted: int
    reactions_received: int
    endorsements: int
    points: int
    level: dict


class AmbassadorPage(Schema):
    community: str
    by: str
    items: list[AmbassadorOut]


def levels_out(community):
    return {
        "community": community.slug,
        "default": levels.is_default(community),
        "levels": [
            {"rank": step.rank, "name": str(step.name), "threshold": step.threshold}
            for step in levels.ladder(community)
        ],
    }


# --- Endpoints -------------------------------------------------------------------------


@router.get("/communities/{slug}/levels", response=LevelsOut, auth=ANY_AUTH)
def get_levels(request, slug: Slug):
    """The community's levels: names and the points each needs, in rank order."""
    return levels_out(readable_community(request, slug))


@router.put("/communities/{slug}/levels", response=LevelsOut)
@coded
def set_levels(request, slug: Slug, payload: LevelsIn):
    """Set the level names and thresholds (managers): the first needs 0 points, each next
    one strictly more; 2 to 10 levels, named, names unique. Members' levels follow at
    once, without notifying them."""
    community = community_queries.community_for(request.user, slug)
    steps = [(level.name, level.threshold) for level in payload.levels]
    rows = actions.set_levels(request.user, community, steps)
    return {
        "community": community.slug,
        "default": False,
        "levels": [{"rank": r.rank, "name": r.name, "threshold": r.threshold} for r in rows],
    }


@router.get("/communities/{slug}/leaderboard", response=LeaderboardOut, auth=ANY_AUTH)
def get_leaderboard(
    request,
    slug: Slug,
    period: Literal["week", "month", "all"] = "all",
    limit: int = Query(20, ge=1, le=100),
):
    """The community's top members by points earned in the period (the last 7 or 30
    days, or all time), with their level."""
    community = readable_community(request, slug)
    return {
        "community": community.slug,
        "period": period,
        "items": leaderboard.leaderboard(community, period, limit=limit),
    }


@router.get("/communities/{slug}/ambassadors", response=AmbassadorPage)
def get_ambassadors(
    request,
    slug: Slug,
    by: Literal["points", "posts"] = "points",
    limit: int = Query(20, ge=1, le=100),
):
    """The most helpful (`by=points`) or most active (`by=posts`) members with their
    figures, to recruit brand ambassadors (managers)."""
    community = community_queries.community_for(request.user, slug)
    permissions.check_manage_badges(request.user, community)
    return {
        "community": community.slug,
        "by": by,
        "items": leaderboard.ambassadors(community, limit=limit, by=by),
    }

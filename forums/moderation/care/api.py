"""Customer care's API: waiting questions, on duty, experts' opt-in, the response policy."""

from datetime import datetime
from typing import Literal

from ninja import Router, Schema

from community import permissions
from community import queries as community_queries
from community.apitools import Slug
from forums.moderation.care import actions, queries
from forums.moderation.care.models import ResponsePolicy

router = Router(tags=["moderation"])


class ThreadRef(Schema):
    id: int
    title: str
    url: str
    author: str | None


class WaitingQuestion(Schema):
    thread: ThreadRef
    title: str
    state: Literal["waiting", "breached"]
    seconds_left: int
    ticking: bool
    due_at: datetime
    created_at: datetime
    target_minutes: int
    offered: int
    escalated: bool


class WaitingOut(Schema):
    items: list[WaitingQuestion]
    on_duty: bool


class DutyOut(Schema):
    on_duty: bool


class ExpertOut(Schema):
    opted_in: bool


class PolicyOut(Schema):
    enabled: bool
    target_minutes: int
    time_zone: str
    business_hours: dict
    responders: str
    responder_min_level: int
    routing_enabled: bool


class PolicyIn(Schema):
    enabled: bool | None = None
    target_minutes: int | None = None
    time_zone: str | None = None
    business_hours: dict | None = None
    responders: Literal["moderators", "level"] | None = None
    responder_min_level: int | None = None
    routing_enabled: bool | None = None


@router.get("/communities/{slug}/waiting", response=WaitingOut)
def waiting(request, slug: Slug):
    """Questions waiting for a first response, least time left first (moderators, staff)."""
    community = community_queries.community_for(request.user, slug)
    permissions.check_view_waiting(request.user, community)
    return {
        "items": queries.waiting(community),
        "on_duty": queries.is_on_duty(request.user, community),
    }


@router.post("/communities/{slug}/duty", response=DutyOut)
def go_on_duty(request, slug: Slug):
    community = community_queries.community_for(request.user, slug)
    actions.start_duty(request.user, community)
    return {"on_duty": True}


@router.delete("/communities/{slug}/duty", response=DutyOut)
def go_off_duty(request, slug: Slug):
    community = community_queries.community_for(request.user, slug)
    actions.end_duty(request.user, community)
    return {"on_duty": False}


@router.post("/communities/{slug}/experts/me", response=ExpertOut)
def expert_opt_in(request, slug: Slug):
    """Take this community's new questions live (its experts)."""
    community = community_queries.community_for(request.user, slug)
    actions.opt_in(request.user, community)
    return {"opted_in": True}


@router.delete("/communities/{slug}/experts/me", response=ExpertOut)
def expert_opt_out(request, slug: Slug):
    community = community_queries.community_for(request.user, slug)
    actions.opt_out(request.user, community)
    return {"opted_in": False}


@router.get("/communities/{slug}/response-policy", response=PolicyOut)
def get_policy(request, slug: Slug):
    community = community_queries.community_for(request.user, slug)
    permissions.check_configure_response(request.user, community)
    return _policy_or_row(community)


@router.patch("/communities/{slug}/response-policy", response=PolicyOut)
def patch_policy(request, slug: Slug, payload: PolicyIn):
    community = community_queries.community_for(request.user, slug)
    values = payload.dict(exclude_none=True)
    return actions.set_response_policy(request.user, community, **values)


def _policy_or_row(community):
    """The stored row, the support default, or a disabled blank for other kinds."""
    try:
        return community.response_policy
    except ResponsePolicy.DoesNotExist:
        enabled = community.kind == community.Kind.SUPPORT
        return ResponsePolicy(community=community, enabled=enabled)

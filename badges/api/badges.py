"""Badges: listing and reading them, creating and editing them (managers), the dry
run before enabling one, grants and revocations by hand, and the rule templates."""

from datetime import datetime
from typing import Annotated, Literal

from django.db.models import Count, F, Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ValidationError as PydanticValidationError

from badges import actions, awarding, rules, visibility
from badges.api._common import (
    SLUG_PATTERN,
    USERNAME_PATTERN,
    active_member,
    coded,
    readable_community,
)
from badges.models import Badge
from community import permissions
from community import queries as community_queries
from community.apitools import ANY_AUTH, Slug, error
from community.models import Membership

router = Router(tags=["badges"])

TierName = Literal["bronze", "silver", "gold"]
KindName = Literal["badge", "trait"]
ModeName = Literal["rule", "manual"]
ParamValue = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)] | Annotated[str, Field(max_length=50)]


class BadgeOut(Schema):
    slug: str
    name: str
    description: str
    icon: str
    tier: str
    kind: str = Field(..., description="`badge`, or `trait` (a quirk, celebrated).")
    community: str | None = Field(..., description="Its community's slug; null: site-wide.")
    mode: str = Field(..., description="`rule` (earned) or `manual` (granted by hand).")
    rule: str
    params: dict
    summary: str = Field(..., description="What it takes to earn it, in words.")
    is_title: bool
    enabled: bool
    holders: int
    created_at: datetime


class BadgePage(Schema):
    items: list[BadgeOut]


class BadgeIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    description: str = Field("", max_length=300)
    icon: str = Field("🏅", min_length=1, max_length=8)
    tier: TierName = "bronze"
    kind: KindName | None = Field(None, description="Defaults to the rule's kind.")
    mode: ModeName = "rule"
    rule: str = Field("", max_length=40, description="A rule template's key (`GET /rules`).")
    params: dict[str, ParamValue] = Field({}, max_length=20)
    is_title: bool = False
    enabled: bool = False


class BadgePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    description: str | None = Field(None, max_length=300)
    icon: str | None = Field(None, min_length=1, max_length=8)
    tier: TierName | None = None
    kind: KindName | None = None
    params: dict[str, ParamValue] | None = Field(None, max_length=20)
    is_title: bool | None = None
    enabled: bool | None = None


class PreviewMember(Schema):
    username: str
    display_name: str
    achieved_at: datetime


class PreviewOut(Schema):
    count: int
    members: list[PreviewMember]


class GrantIn(Schema):
    username: str = Field(..., max_length=150, pattern=USERNAME_PATTERN)
    reason: str = Field(..., min_length=1, max_length=300)


class AwardOut(Schema):
    badge: str
    username: str
    awarded_at: datetime
    reason: str
    granted_by: str | None


class ParamOut(Schema):
    key: str
    label: str
    kind: str = Field(..., description="`int`, or `slug` (optional text).")
    default: int | str
    minimum: int
    maximum: int | None


class RuleOut(Schema):
    key: str
    label: str
    description: str
    kind: str
    scopes: list[str]
    params: list[ParamOut]


class RulePage(Schema):
    items: list[RuleOut]


# --- Lookups and shaping ---------------------------------------------------------------


def _badge(request, slug, *, manage=False):
    """A badge the caller may see (``manage``: and manage), with its holder count.

    A missing badge, one of a community they may not know, and a disabled one they
    may not manage answer the same 404; one of a community they may know but not
    read, the community's 403.
    """
    user = request.user
    badge = (
        Badge.objects.select_related("community")
        .annotate(holders=Count("awards"))
        .filter(slug=slug)
        .first()
    )
    if badge is None or (
        badge.community_id and not permissions.can_see_community(user, badge.community)
    ):
        raise Http404(_("No badge found."))
    if badge.community_id:
        permissions.check_read(user, badge.community)
    if manage:
        permissions.check_manage_badges(user, badge.community)
    elif not badge.enabled and not permissions.can_manage_badges(user, badge.community):
        raise Http404(_("No badge found."))
    return badge


def _visible_badges(user):
    """Badges ``user`` may see: site-wide ones and those of communities they may read;
    disabled ones only to whoever manages them."""
    queryset = Badge.objects.filter(visibility.badge_filter(user))
    if permissions.is_staff(user):
        return queryset
    shown = Q(enabled=True)
    if user.is_authenticated:
        managed = Membership.objects.filter(
            user=user, role=Membership.Role.MANAGER, state=Membership.State.ACTIVE
        ).values("community_id")
        shown |= Q(community__in=managed)
    return queryset.filter(shown)


def _summary(badge):
    if badge.mode != Badge.Mode.RULE:
        return ""
    try:
        return rules.describe(rules.get(badge.rule), badge.params)
    except KeyError:  # a template since retired
        return ""


def badge_out(badge):
    """Precondition: ``badge`` has its community joined and ``holders`` annotated."""
    return {
        "slug": badge.slug,
        "name": badge.name,
        "description": badge.description,
        "icon": badge.icon,
        "tier": badge.tier,
        "kind": badge.kind,
        "community": badge.community.slug if badge.community_id else None,
        "mode": badge.mode,
        "rule": badge.rule,
        "params": badge.params,
        "summary": _summary(badge),
        "is_title": badge.is_title,
        "enabled": badge.enabled,
        "holders": getattr(badge, "holders", 0),
        "created_at": badge.created_at,
    }


def _fresh(request, badge):
    return badge_out(_badge(request, badge.slug))


def award_out(award):
    return {
        "badge": award.badge.slug,
        "username": award.user.username,
        "awarded_at": award.awarded_at,
        "reason": award.reason,
        "granted_by": award.granted_by.username if award.granted_by_id else None,
    }


# --- Endpoints -------------------------------------------------------------------------


@router.get("/badges", response=BadgePage, auth=ANY_AUTH)
def list_badges(
    request,
    community: str | None = Query(
        None, max_length=50, pattern=SLUG_PATTERN, description="Only this community's badges."
    ),
):
    """The badges the caller may see, with their holder counts: site-wide ones and those
    of the communities the caller may read (enabled ones, and disabled ones to whoever
    manages them), site-wide first."""
    queryset = _visible_badges(request.user)
    if community is not None:
        queryset = queryset.filter(community=readable_community(request, community))
    rows = (
        queryset.select_related("community")
        .annotate(holders=Count("awards"))
        .order_by(F("community_id").asc(nulls_first=True), "name", "pk")
    )
    return {"items": [badge_out(badge) for badge in rows]}


@router.post("/badges", response={201: BadgeOut})
@coded
def create_site_badge(request, payload: BadgeIn):
    """Create a site-wide badge (site staff): from a rule template, or granted by hand
    (`mode: manual`)."""
    badge = actions.create_badge(request.user, community=None, **payload.dict())
    return Status(201, _fresh(request, badge))


@router.post("/communities/{slug}/badges", response={201: BadgeOut})
@coded
def create_community_badge(request, slug: Slug, payload: BadgeIn):
    """Create one of the community's badges (its managers): from a rule template with its
    settings (`rule`, `params`; see `GET /rules`), or granted by hand (`mode: manual`)."""
    community = community_queries.community_for(request.user, slug)
    badge = actions.create_badge(request.user, community=community, **payload.dict())
    return Status(201, _fresh(request, badge))


@router.get("/badges/{badge}", response=BadgeOut, auth=ANY_AUTH)
def get_badge(request, badge: Slug):
    """One badge, with its holder count."""
    return badge_out(_badge(request, badge))


@router.patch("/badges/{badge}", response=BadgeOut)
@coded
def update_badge(request, badge: Slug, payload: BadgePatch):
    """Edit a badge, enable or disable it (its community's managers; site staff for a
    site-wide one). Enabling a rule badge awards it to whoever already qualifies, at
    the date each did, in the background."""
    found = _badge(request, badge, manage=True)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    if changes:
        actions.update_badge(request.user, found, **changes)
    return _fresh(request, found)


@router.get("/badges/{badge}/preview", response=PreviewOut)
def preview_badge(request, badge: Slug, limit: int = Query(50, ge=1, le=200)):
    """Who would receive a rule badge, and since when: a dry run that writes nothing
    (also for a disabled badge). Managers."""
    found = _badge(request, badge, manage=True)
    if found.mode != Badge.Mode.RULE:
        return error(
            request, 422, _("A badge granted by hand has no rule to preview."), "manual_badge"
        )
    return awarding.preview(found, limit=limit)


@router.post("/badges/{badge}/grants", response={201: AwardOut})
@coded
def grant_badge(request, badge: Slug, payload: GrantIn):
    """Grant a badge by hand (a manual badge, enabled) with a reason, kept in the activity
    log. A community's badge goes to its active members only."""
    found = _badge(request, badge, manage=True)
    award = actions.grant(
        request.user, found, active_member(payload.username), reason=payload.reason
    )
    return Status(201, award_out(award))


@router.delete("/badges/{badge}/grants", response={204: None})
@coded
def revoke_badge(
    request,
    badge: Slug,
    username: str | None = Query(None, max_length=150, pattern=USERNAME_PATTERN),
    reason: str | None = Query(None, min_length=1, max_length=300),
):
    """Take back a badge granted by hand, with a reason kept in the activity log: the same
    `{username, reason}` as the grant, in a JSON body or as query parameters
    (`?username=alice&reason=...`, for clients and proxies that drop a DELETE's body)."""
    if username is None or reason is None:
        try:
            given = GrantIn.model_validate_json(request.body or b"{}")
        except PydanticValidationError:
            return error(
                request,
                422,
                _("Say whose badge to take back and why: username and reason."),
                code="invalid",
            )
        username, reason = given.username, given.reason
    found = _badge(request, badge, manage=True)
    actions.revoke(request.user, found, active_member(username), reason=reason)
    return Status(204, None)


@router.get("/rules", response=RulePage, auth=ANY_AUTH)
def list_rules(request):
    """The rule templates badges are made from, with their settings, for the managers'
    forms and for integrations."""
    return {
        "items": [
            {
                "key": rule.key,
                "label": str(rule.label),
                "description": str(rule.description),
                "kind": rule.kind,
                "scopes": list(rule.scopes),
                "params": [
                    {
                        "key": param.key,
                        "label": str(param.label),
                        "kind": param.kind,
                        "default": param.default,
                        "minimum": param.minimum,
                        "maximum": param.maximum,
                    }
                    for param in rule.params
                ],
            }
            for rule in rules.all()
        ]
    }

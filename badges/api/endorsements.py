"""The qualities a community's members endorse each other for, and endorsements."""

from datetime import datetime
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from badges import actions, qualities
from badges.api._common import SLUG_PATTERN, active_member, coded, readable_community
from badges.models import Quality
from community import permissions
from community import queries as community_queries
from community.apitools import ANY_AUTH, ObjectId, Slug, Username

router = Router(tags=["endorsements"])

QualitySlug = Annotated[str, Path(..., max_length=40, pattern=SLUG_PATTERN)]


class QualityOut(Schema):
    slug: str
    name: str = Field(..., description="In the caller's language while it is a default name.")
    position: int


class QualityPage(Schema):
    community: str
    items: list[QualityOut]


class QualityIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    slug: str | None = Field(None, min_length=1, max_length=40, pattern=SLUG_PATTERN)


class QualityPatch(Schema):
    name: str = Field(..., min_length=1, max_length=60)


class EndorseIn(Schema):
    community: str = Field(..., max_length=50, pattern=SLUG_PATTERN)
    quality: str = Field(..., max_length=40, pattern=SLUG_PATTERN)
    post: ObjectId | None = Field(None, description="Evidence: one of their posts there.")


class EndorsementOut(Schema):
    community: str
    quality: str
    endorser: str
    endorsee: str
    post: int | None
    created_at: datetime


def quality_out(quality):
    return {"slug": quality.slug, "name": qualities.label(quality), "position": quality.position}


def endorsement_out(endorsement):
    return {
        "community": endorsement.community.slug,
        "quality": endorsement.quality.slug,
        "endorser": endorsement.endorser.username,
        "endorsee": endorsement.endorsee.username,
        "post": endorsement.post_id,
        "created_at": endorsement.created_at,
    }


# --- Endpoints -------------------------------------------------------------------------


def _quality(community, slug):
    quality = Quality.objects.filter(community=community, slug=slug).first()
    if quality is None:
        raise Http404(_("No quality found."))
    quality.community = community
    return quality


@router.get("/communities/{slug}/qualities", response=QualityPage, auth=ANY_AUTH)
def list_qualities(request, slug: Slug):
    """The qualities members endorse each other for in this community."""
    community = readable_community(request, slug)
    return {
        "community": community.slug,
        "items": [quality_out(q) for q in qualities.for_community(community)],
    }


@router.post("/communities/{slug}/qualities", response={201: QualityOut})
@coded
def add_quality(request, slug: Slug, payload: QualityIn):
    """Add a quality (managers); its slug is made from its name unless given."""
    community = community_queries.community_for(request.user, slug)
    quality = actions.add_quality(request.user, community, name=payload.name, slug=payload.slug)
    return Status(201, quality_out(quality))


@router.patch("/communities/{slug}/qualities/{quality}", response=QualityOut)
@coded
def rename_quality(request, slug: Slug, quality: QualitySlug, payload: QualityPatch):
    """Rename a quality (managers); its slug and endorsements stay."""
    community = community_queries.community_for(request.user, slug)
    permissions.check_manage_badges(request.user, community)
    found = actions.rename_quality(request.user, _quality(community, quality), name=payload.name)
    return quality_out(found)


@router.delete("/communities/{slug}/qualities/{quality}", response={204: None})
def remove_quality(request, slug: Slug, quality: QualitySlug):
    """Remove a quality (managers), and the endorsements given for it."""
    community = community_queries.community_for(request.user, slug)
    permissions.check_manage_badges(request.user, community)
    actions.remove_quality(request.user, _quality(community, quality))
    return Status(204, None)


@router.post("/members/{username}/endorsements", response={201: EndorsementOut}, tags=["members"])
@coded
def endorse(request, username: Username, payload: EndorseIn):
    """Endorse a member's quality in a community you both belong to, optionally pointing
    at one of their posts there that shows it. Once per quality; never yourself."""
    member = active_member(username)
    community = community_queries.community_for(request.user, payload.community)
    endorsement = actions.endorse(
        request.user, member, community, payload.quality, post=payload.post
    )
    return Status(201, endorsement_out(endorsement))


@router.delete("/members/{username}/endorsements", response={204: None}, tags=["members"])
def withdraw_endorsement(
    request,
    username: Username,
    community: str = Query(..., max_length=50, pattern=SLUG_PATTERN),
    quality: str = Query(..., max_length=40, pattern=SLUG_PATTERN),
):
    """Withdraw your endorsement of a member's quality in a community."""
    member = active_member(username)
    found = community_queries.community_for(request.user, community)
    actions.withdraw_endorsement(request.user, member, found, quality)
    return Status(204, None)

"""API endpoints for the caller, communities, memberships, invitations and members."""

from datetime import datetime
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from community import actions, facets, permissions, queries, unread
from community.apitools import ANY_AUTH, MAX_ID, Extensible, Slug, Username
from community.models import Membership, User

router = Router(tags=["communities"])


Kind = Literal["discussion", "support", "ideas", "club"]
Visibility = Literal["public", "private", "hidden"]
JoinPolicy = Literal["open", "request", "invite"]
RoleName = Literal["member", "moderator", "manager"]
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


# --- Schemas ------------------------------------------------------------------


class ViewerMembership(Schema):
    role: str
    state: str


class CommunityOut(Schema):
    slug: str
    name: str
    description: str
    kind: str
    visibility: str
    join_policy: str
    member_count: int
    created_at: datetime
    url: str
    membership: ViewerMembership | None = Field(
        None, description="The caller's own membership, if any."
    )


class CommunityIn(Schema):
    slug: str = Field(..., min_length=2, max_length=50, pattern=SLUG_PATTERN)
    name: str = Field(..., min_length=1, max_length=80)
    kind: Kind = "discussion"
    visibility: Visibility = "public"
    join_policy: JoinPolicy = "open"
    description: str = Field("", max_length=2000)


class CommunityPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=80)
    kind: Kind | None = None
    visibility: Visibility | None = None
    join_policy: JoinPolicy | None = None
    description: str | None = Field(None, max_length=2000)


class MembershipOut(Extensible):
    """Other apps add keys to members (``community.facets``): ``level`` (in this community:
    ``{name, rank, points, next}``) and ``badges`` are the badges app's, empty without it."""

    community: str
    username: str
    display_name: str
    role: str
    state: str
    joined_at: datetime | None
    level: dict | None = None
    badges: list = []
    silenced_until: datetime | None = Field(
        None, description="The end of a running silence; moderators only."
    )
    banned_until: datetime | None = Field(
        None, description="The end of a ban with an end date; moderators only."
    )


class MembershipPage(Schema):
    items: list[MembershipOut]
    next: str | None


class CommunityPage(Schema):
    items: list[CommunityOut]
    next: str | None = None


class MemberPatch(Schema):
    state: Literal["active", "banned"] | None = None
    role: RoleName | None = None
    reason: str = Field("", max_length=500, description="Why: goes with a ban or a silence.")
    silenced_until: datetime | None = Field(
        None, description="Silence (read-only) until then; null lifts a silence."
    )
    banned_until: datetime | None = Field(
        None, description="Ban until then (or move a ban's end); null lifts a ban."
    )


class InvitationIn(Schema):
    email: str = Field(..., max_length=254)


class InvitationOut(Schema):
    id: int
    community: str
    email: str
    status: str
    created_at: datetime
    expires_at: datetime


class LeaveOut(Schema):
    community: str
    username: str
    state: Literal["none"] = "none"


class MyMembership(Schema):
    community: str
    name: str
    role: str
    state: str


class MeOut(Schema):
    username: str
    email: str
    display_name: str
    avatar_url: str
    bio: str
    language: str
    is_staff: bool
    memberships: list[MyMembership]
    unread: dict
    share_with_crm: bool = Field(
        False,
        description="The member's consent to the brand's CRM export of their engagement "
        "(off by default; changed on the profile page).",
    )


class MemberOut(Extensible):
    """Other apps add keys to members (``community.facets``): ``badges``, ``levels``,
    ``endorsements``, ``title`` and ``featured_badges`` are the badges app's, empty
    without it."""

    username: str
    display_name: str
    avatar_url: str
    bio: str
    joined_at: datetime
    fields: dict
    communities: list[MyMembership]
    badges: list = []
    levels: dict = {}
    endorsements: list = []
    title: dict | None = None
    featured_badges: list = []


# --- Shaping ------------------------------------------------------------------


def community_out(request, community):
    """Precondition: ``community`` comes from ``queries`` (the viewer's membership remembered)."""
    membership = permissions.membership_of(request.user, community)
    return {
        "slug": community.slug,
        "name": community.name,
        "description": community.description,
        "kind": community.kind,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "member_count": community.member_count,
        "created_at": community.created_at,
        "url": request.build_absolute_uri(community.get_absolute_url()),
        "membership": {"role": membership.role, "state": membership.state} if membership else None,
    }


def membership_out(request, membership, shown=None):
    """A membership, with what other apps add to members (``community.facets``), loaded
    for the whole page in ``shown`` (or here, for one)."""
    if shown is None:
        shown = facets.load(
            [membership.user_id], viewer=request.user, community=membership.community
        )
    return {
        "community": membership.community.slug,
        "username": membership.user.username,
        "display_name": membership.user.profile.name,
        "role": membership.role,
        "state": membership.state,
        "joined_at": membership.joined_at,
        **_sanctions(request, membership),
        **shown.for_user(membership.user_id),
    }


def _sanctions(request, membership):
    """A member's sanction end dates, for the community's moderators (and the member)."""
    if request.user.pk != membership.user_id and not permissions.can_moderate(
        request.user, membership.community
    ):
        return {}
    return {
        "silenced_until": permissions.silenced_until(membership),
        "banned_until": membership.banned_until,
    }


def _aware(value):
    """A date given without an offset is read in the caller's time zone."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _community(request, slug):
    return queries.community_for(request.user, slug)


# --- The caller ---------------------------------------------------------------


@router.get("/me", response=MeOut, tags=["members"])
def me(request):
    """The caller: profile, memberships and unread counts."""
    user = request.user
    profile = user.profile
    return {
        "username": user.username,
        "email": user.email,
        "display_name": profile.name,
        "avatar_url": request.build_absolute_uri(profile.avatar_url) if profile.avatar else "",
        "bio": profile.bio,
        "language": profile.language,
        "is_staff": permissions.is_staff(user),
        "memberships": [
            {
                "community": m.community.slug,
                "name": m.community.name,
                "role": m.role,
                "state": m.state,
            }
            for m in queries.memberships_of(user)
        ],
        "unread": unread.counts(user),
        "share_with_crm": profile.share_with_crm,
    }


# --- Communities --------------------------------------------------------------


@router.get("/communities", response=CommunityPage, auth=ANY_AUTH)
def list_communities(request):
    """The communities the caller may see (hidden ones only to their members)."""
    return {"items": [community_out(request, c) for c in queries.visible_communities(request.user)]}


@router.post("/communities", response={201: CommunityOut})
def create_community(request, payload: CommunityIn):
    """Create a community (site staff). Its creator becomes its first manager."""
    community = actions.create_community(request.user, **payload.dict())
    created = queries.community_for(request.user, community.slug)
    return Status(201, community_out(request, created))


@router.get("/communities/{slug}", response=CommunityOut, auth=ANY_AUTH)
def get_community(request, slug: Slug):
    return community_out(request, _community(request, slug))


@router.patch("/communities/{slug}", response=CommunityOut)
def update_community(request, slug: Slug, payload: CommunityPatch):
    """Change a community's settings (its managers)."""
    community = _community(request, slug)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    if changes:
        actions.update_community(request.user, community, **changes)
    return community_out(request, _community(request, slug))


@router.post("/communities/{slug}/join", response=MembershipOut)
def join(request, slug: Slug):
    """Join per the community's policy: active at once, pending approval, or by invitation."""
    community, invitation = queries.community_to_join(request.user, slug)
    return membership_out(request, actions.join(request.user, community, invitation=invitation))


@router.post("/communities/{slug}/leave", response=LeaveOut)
def leave(request, slug: Slug):
    """Leave the community or withdraw a pending request."""
    community = _community(request, slug)
    actions.leave(request.user, community)
    return {"community": community.slug, "username": request.user.username}


@router.get("/communities/{slug}/members", response=MembershipPage, auth=ANY_AUTH)
def list_members(
    request,
    slug: Slug,
    state: Literal["active", "pending", "banned"] = "active",
    role: RoleName | None = None,
    cursor: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(50, ge=1, le=200),
    q: str | None = Query(None, max_length=30, description="Username prefix (mentions)."),
):
    """Members with role, level and badges, in join order; ``next`` is the next page's cursor.

    Pending requests and bans are listed to moderators only.
    """
    community = _community(request, slug)
    permissions.check_read(request.user, community)
    if state != "active":
        permissions.check_view_requests(request.user, community)
    rows, next_cursor = queries.members(
        community, after=cursor, limit=limit, state=state, role=role, prefix=q
    )
    shown = facets.load([m.user_id for m in rows], viewer=request.user, community=community)
    return {
        "items": [membership_out(request, m, shown) for m in rows],
        "next": str(next_cursor) if next_cursor else None,
    }


@router.get("/communities/{slug}/members/{username}", response=MembershipOut, auth=ANY_AUTH)
def get_member(request, slug: Slug, username: Username):
    community = _community(request, slug)
    permissions.check_read(request.user, community)
    membership = get_object_or_404(
        Membership.objects.select_related("user__profile", "community"),
        community=community,
        user__username=username,
        state=Membership.State.ACTIVE,
    )
    return membership_out(request, membership)


@router.patch("/communities/{slug}/members/{username}", response=MembershipOut)
def update_member(request, slug: Slug, username: Username, payload: MemberPatch):
    """Approve a request (`state: active`), ban or lift a ban, silence, set a role.

    Moderators approve, ban and silence members; managers also ban and silence moderators
    and set roles. `banned_until`: a date bans until then (or moves a ban's end), `null`
    lifts the ban; `silenced_until`: a date silences until then, `null` lifts the silence;
    `reason` goes with either (the member is told, the audit log keeps it).
    """
    community = _community(request, slug)
    permissions.check_moderate(request.user, community)
    target = get_object_or_404(User, username=username)
    # A non-member is refused by the action (403 not_a_member), as on the page.
    given = payload.model_fields_set
    sanctions = {
        name: _aware(getattr(payload, name))
        for name in ("silenced_until", "banned_until")
        if name in given
    }
    membership = actions.update_member(
        request.user,
        community,
        target,
        state=payload.state,
        role=payload.role,
        reason=payload.reason,
        **sanctions,
    )
    membership = Membership.objects.select_related("user__profile", "community").get(
        pk=membership.pk
    )
    return membership_out(request, membership)


@router.delete("/communities/{slug}/members/{username}", response=LeaveOut)
def remove_member(request, slug: Slug, username: Username):
    """Refuse a pending request or remove a member without banning them."""
    community = _community(request, slug)
    permissions.check_moderate(request.user, community)
    target = get_object_or_404(User, username=username)
    actions.remove(request.user, community, target)
    return {"community": community.slug, "username": target.username}


# --- Invitations ----------------------------------------------------------------


def invitation_out(request, invitation):
    """The invitation without its link: the link goes by mail to the address, and only
    there (following it vouches for the address, see views.invitation)."""
    return {
        "id": invitation.pk,
        "community": invitation.community.slug,
        "email": invitation.email,
        "status": invitation.status,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
    }


@router.post("/communities/{slug}/invitations", response={201: InvitationOut})
def invite(request, slug: Slug, payload: InvitationIn):
    """Invite an email address (managers). The invitee gets a link by mail."""
    community = _community(request, slug)
    invitation = actions.invite(request.user, community, email=payload.email)
    return Status(201, invitation_out(request, invitation))


@router.get("/communities/{slug}/invitations", response=list[InvitationOut])
def list_invitations(request, slug: Slug):
    community = _community(request, slug)
    permissions.check_invite(request.user, community)
    return [invitation_out(request, i) for i in queries.invitations(community)]


# --- Members --------------------------------------------------------------------


@router.get("/members/{username}", response=MemberOut, auth=ANY_AUTH, tags=["members"])
def get_profile(request, username: Username):
    """A member's public profile; communities listed are those the caller may see."""
    member = queries.member_profile(request.user, username)
    profile = member.profile
    return {
        "username": member.username,
        "display_name": profile.name,
        "avatar_url": request.build_absolute_uri(profile.avatar_url) if profile.avatar else "",
        "bio": profile.bio,
        "joined_at": member.date_joined,
        "fields": {value.field.key: value.value for value in member.visible_fields},
        "communities": [
            {
                "community": m.community.slug,
                "name": m.community.name,
                "role": m.role,
                "state": m.state,
            }
            for m in member.visible_memberships
        ],
        **facets.load([member], viewer=request.user).for_user(member.pk),
    }

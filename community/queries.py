"""What the community pages and API endpoints read, shaped in a fixed number of queries."""

from allauth.account.models import EmailAddress
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from community import cues, permissions
from community.errors import Conflict, Forbidden
from community.models import (
    ApiToken,
    Community,
    Invitation,
    Membership,
    ProfileFieldValue,
    User,
)

State = Membership.State


def _with_viewer_membership(queryset, user):
    """Prefetch the viewer's own membership of each community (one query for the lot)."""
    if not user.is_authenticated:
        return queryset
    return queryset.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(user=user),
            to_attr="viewer_memberships",
        )
    )


def _remember_viewer(communities, user):
    for community in communities:
        if user.is_authenticated:
            memberships = getattr(community, "viewer_memberships", [])
            permissions.remember_membership(
                community, user, memberships[0] if memberships else None
            )
    return communities


def visible_communities(user):
    """The communities the user may know of, each with the viewer's membership.

    Each shows ``member_count``, a column kept by ``community.actions``: never a count
    of the memberships per page (100,000 rows for a large community).
    """
    queryset = permissions.filter_visible_communities(user, Community.objects.all())
    communities = list(_with_viewer_membership(queryset.order_by("name", "pk"), user))
    return _remember_viewer(communities, user)


def directory(user):
    """``visible_communities`` with each card's activity cues (``community.cues``)."""
    return cues.decorate(visible_communities(user), user)


def usable_invitation_for(user, community):
    """A pending, unexpired invitation to ``community`` for one of the user's verified emails.

    Only verified addresses count: an address typed at signup proves nothing
    until its owner follows the confirmation link.
    """
    if not user.is_authenticated:
        return None
    emails = EmailAddress.objects.filter(user=user, verified=True).values("email")
    return (
        Invitation.objects.annotate(email_lower=Lower("email"))
        .filter(
            community=community,
            email_lower__in=emails.annotate(lower=Lower("email")).values("lower"),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def community_to_join(user, slug):
    """The community ``slug`` for a join request, with the invitation that opens it.

    Returns (community, invitation or None). A hidden community is found for
    someone holding an invitation to it; for anyone else it is the same 404
    as a missing one.
    """
    community = _with_viewer_membership(Community.objects.filter(slug=slug), user).first()
    if community is None:
        raise Http404(_("No community found."))
    _remember_viewer([community], user)
    invitation = None
    if community.join_policy != Community.JoinPolicy.OPEN:
        invitation = usable_invitation_for(user, community)
    if invitation is None:
        permissions.check_see_community(user, community)
    return community, invitation


def community_for(user, slug):
    """One community the user may see, or 404 (the same 404 for hidden and missing)."""
    queryset = _with_viewer_membership(Community.objects.filter(slug=slug), user)
    community = queryset.first()
    if community is None:
        raise Http404(_("No community found."))
    _remember_viewer([community], user)
    permissions.check_see_community(user, community)
    return community


def members(community, *, after=None, limit=50, state=State.ACTIVE, role=None, prefix=None):
    """Memberships in id order from ``after`` (keyset), with user and profile joined.

    Returns (memberships, next_cursor); next_cursor is None on the last page.
    """
    queryset = (
        Membership.objects.filter(community=community, state=state)
        .select_related("user__profile")
        .order_by("pk")
    )
    if role:
        queryset = queryset.filter(role=role)
    if prefix:
        queryset = queryset.filter(
            Q(user__username__istartswith=prefix)
            | Q(user__profile__display_name__istartswith=prefix)
        )
    if after:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset[: limit + 1])
    next_cursor = rows[limit - 1].pk if len(rows) > limit else None
    for membership in rows:
        membership.community = community
    return rows[:limit], next_cursor


def staff_of(community):
    """Active managers and moderators, managers first."""
    return list(
        Membership.objects.filter(
            community=community,
            state=State.ACTIVE,
            role__in=[Membership.Role.MANAGER, Membership.Role.MODERATOR],
        )
        .select_related("user__profile")
        .order_by(
            Case(
                When(role=Membership.Role.MANAGER, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "joined_at",
            "pk",
        )
    )


def pending_requests(community):
    return list(
        Membership.objects.filter(community=community, state=State.PENDING)
        .select_related("user__profile")
        .order_by("created_at", "pk")
    )


def pending_count(community):
    return Membership.objects.filter(community=community, state=State.PENDING).count()


def banned(community):
    return list(
        Membership.objects.filter(community=community, state=State.BANNED)
        .select_related("user__profile")
        .order_by("-updated_at", "pk")
    )


def invitations(community, *, limit=100):
    return list(
        Invitation.objects.filter(community=community)
        .select_related("invited_by__profile", "accepted_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def member_profile(viewer, username):
    """A member's profile as the viewer may see it, or 404.

    Lists only the memberships in communities the viewer may know exist, so a
    hidden community never shows up on someone's profile to an outsider.
    """
    user = (
        User.objects.filter(username=username, is_active=True)
        .select_related("profile")
        .prefetch_related(
            Prefetch(
                "profile__field_values",
                queryset=ProfileFieldValue.objects.select_related("field").order_by(
                    "field__position", "field__pk"
                ),
            )
        )
        .first()
    )
    if user is None:
        raise Http404(_("No member found."))
    # Readable, not merely visible: a private community's member list is for its members.
    visible = permissions.filter_readable_communities(viewer)
    user.visible_memberships = list(
        Membership.objects.filter(user=user, state=State.ACTIVE, community__in=visible)
        .select_related("community")
        .order_by("community__name")
    )
    user.visible_fields = [
        value
        for value in user.profile.field_values.all()
        if permissions.can_see_profile_field(viewer, user, value.field)
    ]
    return user


def memberships_of(user):
    """The user's own memberships (any state) in communities they may see.

    A ban from a hidden community one never belonged to stays invisible to them.
    """
    return list(
        Membership.objects.filter(
            user=user, community__in=permissions.filter_visible_communities(user)
        )
        .select_related("community")
        .order_by("community__name")
    )


def api_tokens_of(owner, *, before=None, limit=50):
    """``owner``'s API tokens, newest first, revoked ones included; one query.

    Returns ``(tokens, next_cursor)``; the cursor is the last token's id (keyset).
    """
    tokens = ApiToken.objects.filter(user=owner).defer("key_hash").order_by("-id")
    if before is not None:
        tokens = tokens.filter(id__lt=before)
    page = list(tokens[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (str(page[-1].pk) if more else None)


def api_token_of(owner, ref):
    """``owner``'s token by id or prefix, or 404: someone else's answers as a missing one."""
    ref = str(ref)
    match = Q(prefix=ref)
    if ref.isdecimal() and len(ref) <= 18:  # bounded: the id column is 64-bit
        match |= Q(pk=int(ref))
    found = list(ApiToken.objects.filter(match, user=owner).select_related("user")[:2])
    if not found:
        raise Http404(_("No token found."))
    if len(found) > 1:
        raise Conflict(_("Several tokens match; use the token's id."), code="ambiguous_token")
    return found[0]


def api_token_owner(viewer, username):
    """The member whose tokens ``viewer`` asks for: staff name anyone, others themselves.

    Refused before any lookup, so the answer tells a non-staff caller nothing
    about who exists; a missing member is a 404 for staff.
    """
    if not permissions.is_staff(viewer) and username != viewer.get_username():
        raise Forbidden(_("Only site staff can see or revoke other members' tokens."))
    owner = User.objects.filter(username=username).first()
    if owner is None:
        raise Http404(_("No member found."))
    return owner

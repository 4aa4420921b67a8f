"""Server-rendered pages: directory, community home, members, moderation, profiles.

Views read through ``community.queries``, decide what to show with
``community.permissions`` predicates and change things only by calling
``community.actions``.
"""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from community import actions, permissions, queries
from community.errors import Conflict
from community.forms import (
    BanForm,
    CommunityCreateForm,
    CommunityForm,
    InviteForm,
    ProfileForm,
    RoleForm,
    apply_errors,
)
from community.invitations import invitation_from_token
from community.models import Membership, Profile, ProfileField, ProfileFieldValue, User
from community.preferences import remember_language, remember_time_zone
from community.validators import parse_int

MEMBERS_PER_PAGE = 50


def _back(request, default):
    """Where to return after a POST: the form's ``next`` if it is ours, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def home(request):
    communities = queries.directory(request.user)
    mine, others = [], []
    for community in communities:
        membership = permissions.membership_of(request.user, community)
        community.viewer_membership = membership
        (mine if membership is not None and membership.state != "banned" else others).append(
            community
        )
    return render(
        request,
        "community/home.html",
        {
            "my_communities": mine,
            "other_communities": others,
            "can_create": permissions.can_create_community(request.user),
        },
    )


def community_context(request, slug):
    """What a community's home page shows: about, membership, join button, team."""
    community = queries.community_for(request.user, slug)
    user = request.user
    membership = permissions.membership_of(user, community)
    can_read = permissions.can_read(user, community)
    context = {
        "community": community,
        "membership": membership,
        "can_read": can_read,
        "can_join": permissions.can_ask_to_join(user, community),
        "can_leave": permissions.can_leave(user, community),
        "can_moderate": permissions.can_moderate(user, community),
        "can_manage": permissions.can_manage(user, community),
        "staff": queries.staff_of(community) if can_read else [],
        "pending_count": (
            queries.pending_count(community) if permissions.can_moderate(user, community) else 0
        ),
    }
    return context


def community_detail(request, slug):
    """The community's home page (the forums app extends it with the thread list)."""
    return render(request, "community/detail.html", community_context(request, slug))


@login_required
@require_POST
def community_join(request, slug):
    community, invitation = queries.community_to_join(request.user, slug)
    try:
        membership = actions.join(request.user, community, invitation=invitation)
    except PermissionDenied as error:
        messages.error(request, str(error))
    except Conflict as error:
        messages.info(request, error.message)
    else:
        if membership.state == Membership.State.ACTIVE:
            messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
        else:
            messages.success(
                request, _("Your request has been sent: a moderator will review it soon.")
            )
    return redirect(_back(request, community.get_absolute_url()))


@login_required
@require_POST
def community_leave(request, slug):
    community = queries.community_for(request.user, slug)
    try:
        actions.leave(request.user, community)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect(community.get_absolute_url())
    messages.success(request, _("You have left %(name)s.") % {"name": community.name})
    if permissions.can_see_community(request.user, community):
        return redirect(community.get_absolute_url())
    return redirect("home")


def community_members(request, slug):
    community = queries.community_for(request.user, slug)
    permissions.check_read(request.user, community)
    after = parse_int(request.GET.get("after"))
    memberships, next_cursor = queries.members(community, after=after, limit=MEMBERS_PER_PAGE)
    # Each row's buttons are what the actions would allow (community.permissions).
    for membership in memberships:
        membership.may_ban = permissions.can_ban(request.user, community, membership)
        membership.may_set_role = permissions.can_set_role(request.user, community, membership)
    return render(
        request,
        "community/members.html",
        {
            "community": community,
            "memberships": memberships,
            "next_cursor": next_cursor,
            "role_form": RoleForm(),
        },
    )


@login_required
def community_moderation(request, slug):
    community = queries.community_for(request.user, slug)
    permissions.check_view_moderation(request.user, community)
    return render(
        request,
        "community/moderation.html",
        {
            "community": community,
            "requests": queries.pending_requests(community),
            "banned": queries.banned(community),
            "ban_form": BanForm(),
        },
    )


MEMBER_VERBS = {"approve", "refuse", "ban", "unban", "role", "remove"}


@login_required
@require_POST
def member_action(request, slug, username, verb):
    community = queries.community_for(request.user, slug)
    if verb not in MEMBER_VERBS:
        raise Http404
    # Every verb is a moderator's: refused before the lookup, so that the answer to
    # anyone else says nothing about which usernames exist (docs/security.md).
    permissions.check_moderate(request.user, community)
    target = get_object_or_404(User, username=username)
    name = target.profile.name
    try:
        if verb == "approve":
            actions.approve(request.user, community, target)
            messages.success(request, _("%(name)s is now a member.") % {"name": name})
        elif verb == "refuse":
            actions.refuse(request.user, community, target)
            messages.success(request, _("The request from %(name)s was refused.") % {"name": name})
        elif verb == "ban":
            form = BanForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            actions.ban(request.user, community, target, reason=reason)
            messages.success(request, _("%(name)s is banned.") % {"name": name})
        elif verb == "unban":
            actions.unban(request.user, community, target)
            messages.success(request, _("The ban on %(name)s is lifted.") % {"name": name})
        elif verb == "remove":
            actions.remove(request.user, community, target)
            messages.success(request, _("%(name)s was removed.") % {"name": name})
        elif verb == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose a role."))
            actions.set_role(request.user, community, target, role=form.cleaned_data["role"])
            messages.success(request, _("The role of %(name)s was changed.") % {"name": name})
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect(_back(request, reverse("community_members", args=[community.slug])))


@login_required
def community_invitations(request, slug):
    community = queries.community_for(request.user, slug)
    permissions.check_invite(request.user, community)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if "revoke" in request.POST:
            revoke = request.POST["revoke"].strip()
            invitation = get_object_or_404(community.invitations, pk=parse_int(revoke, 0))
            actions.revoke_invitation(request.user, invitation)
            messages.success(request, _("The invitation was revoked."))
            return redirect("community_invitations", slug=community.slug)
        if form.is_valid():
            try:
                actions.invite(request.user, community, email=form.cleaned_data["email"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("An invitation was sent to %(email)s.")
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect("community_invitations", slug=community.slug)
    return render(
        request,
        "community/invitations.html",
        {"community": community, "form": form, "invitations": queries.invitations(community)},
    )


def invitation(request, token):
    """The page an invitation link opens: accept it, signing up first if needed."""
    invitation = invitation_from_token(token)
    if invitation is None:
        return render(request, "community/invitation_invalid.html", status=404)
    community = invitation.community
    if not request.user.is_authenticated:
        # The link was mailed to this address: following it proves the address,
        # so signing up with it needs no second verification mail.
        get_adapter(request).stash_verified_email(request, invitation.email)
        return render(
            request,
            "community/invitation.html",
            {"invitation": invitation, "community": community, "next": request.path},
        )
    if request.method == "POST":
        try:
            actions.accept_invitation(request.user, invitation)
        except PermissionDenied as error:
            messages.error(request, str(error))
        except Conflict as error:
            messages.info(request, error.message)
        else:
            messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
        return redirect(community.get_absolute_url())
    return render(
        request, "community/invitation.html", {"invitation": invitation, "community": community}
    )


@login_required
def community_settings(request, slug):
    community = queries.community_for(request.user, slug)
    permissions.check_manage(request.user, community)
    form = CommunityForm(request.POST or None, instance=community)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            try:
                actions.update_community(request.user, community, **changes)
            except ValidationError as error:
                apply_errors(form, error)
                return render(
                    request, "community/settings.html", {"community": community, "form": form}
                )
        messages.success(request, _("The community's settings were saved."))
        return redirect(community.get_absolute_url())
    return render(request, "community/settings.html", {"community": community, "form": form})


@login_required
def community_create(request):
    permissions.check_create_community(request.user)
    form = CommunityCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = actions.create_community(request.user, **form.cleaned_data)
        except Conflict as error:
            form.add_error("slug", error.message)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The community was created."))
            return redirect(community.get_absolute_url())
    return render(request, "community/create.html", {"form": form})


def profile(request, username):
    member = queries.member_profile(request.user, username)
    return render(
        request,
        "community/profile.html",
        {
            "member": member,
            "is_self": request.user.is_authenticated and request.user == member,
            "may_manage_tokens": permissions.can_manage_api_tokens_of(request.user, member),
        },
    )


@login_required
def profile_edit(request):
    user = request.user
    profile = user.profile
    profile_fields = list(ProfileField.objects.all())
    current = dict(
        ProfileFieldValue.objects.filter(profile=profile).values_list("field__key", "value")
    )
    initial = {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "language": profile.language,
        "time_zone": profile.time_zone,
        "share_with_crm": profile.share_with_crm,
        **{f"field_{key}": value for key, value in current.items()},
    }
    form = ProfileForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        profile_fields=profile_fields,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_profile(
                user,
                user,
                display_name=form.cleaned_data["display_name"],
                bio=form.cleaned_data["bio"],
                language=form.cleaned_data["language"],
                time_zone=form.cleaned_data["time_zone"],
                avatar=form.cleaned_data["avatar"] or None,
                remove_avatar=form.cleaned_data["remove_avatar"],
                share_with_crm=form.cleaned_data["share_with_crm"],
                fields=form.custom_values(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            remember_language(request, form.cleaned_data["language"])
            remember_time_zone(request, form.cleaned_data["time_zone"])
            messages.success(request, _("Your profile was saved."))
            return redirect("profile", username=user.username)
    return render(request, "community/profile_edit.html", {"form": form, "profile": profile})


@require_POST
def set_language(request):
    """Django's set_language, remembered on the profile of a signed-in member.

    The member's language otherwise wins over the cookie (MemberLanguageMiddleware),
    so the header's menu must change both.
    """
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(Profile.Language.choices):
        actions.update_profile(request.user, request.user, language=language)
        remember_language(request, language)
    return response


def healthz(request):
    """Liveness for load balancers; also the benchmarks' "minimal Django view" baseline."""
    return HttpResponse("ok", content_type="text/plain")

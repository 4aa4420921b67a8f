"""The managers' badges pages: a community's (or the site's) badges, levels and
qualities; creating a badge from a template; one badge's preview, switch, grants.

A community's managers manage its badges, site staff the site-wide ones
(``community.permissions.check_manage_badges``); the changes go through
``badges.actions``, the dry run through ``badges.awarding.preview``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from badges import actions, awarding, levels, qualities, rules
from badges.forms import MANUAL, BadgeForm, GrantForm, LevelsForm, QualityForm, TemplateForm
from badges.models import Award, Badge, Quality
from badges.views import how_to_earn, refusal, rule_label
from community import permissions, queries
from community.errors import Conflict
from community.forms import apply_errors
from community.models import User
from community.validators import parse_int


def _scope(request, slug):
    """The community whose badges are managed (None: site-wide), the viewer checked."""
    community = queries.community_for(request.user, slug) if slug else None
    permissions.check_manage_badges(request.user, community)
    return community


def _manage_url(community):
    if community is None:
        return reverse("site_badges_manage")
    return reverse("badges_manage", args=[community.slug])


@login_required
def manage(request, slug=None):
    """A community's badges (or the site-wide ones), its levels and qualities."""
    community = _scope(request, slug)
    forms = {}
    if community is not None:
        forms["levels"] = LevelsForm(ladder=levels.ladder(community))
        forms["quality_add"] = QualityForm(prefix="add")
    if request.method == "POST" and community is not None:
        done = _manage_post(request, community, forms)
        if done:
            return redirect(_manage_url(community))
    badges = list(
        Badge.objects.filter(community=community)
        .annotate(holders=Count("awards"))
        .order_by("-enabled", "name")
    )
    for badge in badges:
        badge.how = how_to_earn(badge)
        badge.rule_label = rule_label(badge)
    context = {
        "community": community,
        "badges": badges,
        "template_form": TemplateForm(scope="community" if community else "site"),
        "new_url": (
            reverse("badge_new", args=[community.slug]) if community else reverse("site_badge_new")
        ),
        "forms": forms,
    }
    if community is not None:
        context["qualities"] = [
            (quality, qualities.label(quality)) for quality in qualities.for_community(community)
        ]
    status = 400 if request.method == "POST" else 200
    return render(request, "badges/manage.html", context, status=status)


def _manage_post(request, community, forms):
    """Handle one of the manage page's forms; True once done (else its form has errors)."""
    user, which = request.user, request.POST.get("form")
    try:
        if which == "levels":
            form = forms["levels"] = LevelsForm(request.POST, ladder=levels.ladder(community))
            if not form.is_valid():
                return False
            try:
                actions.set_levels(user, community, form.steps())
            except ValidationError as error:
                apply_errors(form, error)
                return False
            messages.success(request, _("The levels were saved."))
        elif which == "quality_add":
            form = forms["quality_add"] = QualityForm(request.POST, prefix="add")
            if not form.is_valid():
                return False
            try:
                actions.add_quality(user, community, name=form.cleaned_data["name"])
            except ValidationError as error:
                apply_errors(form, error)
                return False
            messages.success(request, _("The quality was added."))
        elif which in ("quality_rename", "quality_remove"):
            quality = get_object_or_404(
                Quality, pk=parse_int(request.POST.get("quality"), 0), community=community
            )
            if which == "quality_remove":
                actions.remove_quality(user, quality)
                messages.success(request, _("The quality was removed."))
            else:
                form = QualityForm(request.POST, prefix=f"q{quality.pk}")
                if not form.is_valid():
                    messages.error(request, _("Give the quality a name."))
                    return True
                actions.rename_quality(user, quality, name=form.cleaned_data["name"])
                messages.success(request, _("The quality was renamed."))
        else:
            raise Http404
    except (ValidationError, Conflict) as error:
        messages.error(request, refusal(error))
    return True


@login_required
def badge_new(request, slug=None):
    """Create a badge: choose a template (step one, a GET form), then fill in the badge's
    details and the template's settings. It is created disabled, to be previewed."""
    community = _scope(request, slug)
    scope = "community" if community else "site"
    template_form = TemplateForm(request.GET or None, scope=scope)
    if not template_form.is_valid():
        return render(
            request,
            "badges/badge_new.html",
            {"community": community, "template_form": template_form, "form": None},
            status=400 if request.GET else 200,
        )
    key = template_form.cleaned_data["template"]
    rule = None if key == MANUAL else rules.get(key)
    form = BadgeForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            badge = actions.create_badge(
                request.user,
                community=community,
                name=data["name"],
                description=data["description"],
                icon=data["icon"],
                tier=data["tier"],
                kind=data["kind"],
                mode=Badge.Mode.MANUAL if rule is None else Badge.Mode.RULE,
                rule="" if rule is None else rule.key,
                params=form.params() if rule is not None else None,
                is_title=data["is_title"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The badge was created, disabled: check who would receive it, then enable it.")
                if rule is not None
                else _("The badge was created, disabled: enable it to grant it."),
            )
            return redirect("badge_manage", badge=badge.slug)
    return render(
        request,
        "badges/badge_new.html",
        {
            "community": community,
            "template_form": template_form,
            "form": form,
            "rule": rule,
            "template": key,
        },
        status=400 if request.method == "POST" else 200,
    )


def _managed_badge(request, slug):
    """The badge named ``slug``, for its managers; a badge of a community the viewer may
    not see answers exactly as a missing one."""
    badge = Badge.objects.select_related("community").filter(slug=slug).first()
    if badge is None or (
        badge.community is not None
        and not permissions.can_see_community(request.user, badge.community)
    ):
        raise Http404(_("No badge found."))
    permissions.check_manage_badges(request.user, badge.community)
    return badge


@login_required
def badge_manage(request, badge):
    """One badge for its managers: preview who would receive it, enable or disable it,
    grant and revoke it by hand."""
    badge = _managed_badge(request, badge)
    grant_form = GrantForm(request.POST if request.POST.get("action") == "grant" else None)
    if request.method == "POST":
        done = _badge_post(request, badge, grant_form)
        if done:
            return redirect("badge_manage", badge=badge.slug)
    preview = None
    if badge.mode == Badge.Mode.RULE and request.GET.get("preview"):
        preview = awarding.preview(badge)
    holders = list(
        Award.objects.filter(badge=badge)
        .select_related("user__profile", "granted_by")
        .order_by("-awarded_at")[:100]
    )
    return render(
        request,
        "badges/badge_manage.html",
        {
            "badge": badge,
            "community": badge.community,
            "how": how_to_earn(badge),
            "rule_label": rule_label(badge),
            "preview": preview,
            "holders": holders,
            "holder_count": Award.objects.filter(badge=badge).count(),
            "grant_form": grant_form,
            "manage_url": _manage_url(badge.community),
        },
        status=400 if request.method == "POST" else 200,
    )


def _badge_post(request, badge, grant_form):
    """Handle the badge page's buttons; True once done (else the grant form has errors)."""
    user, action = request.user, request.POST.get("action")
    try:
        if action in ("enable", "disable"):
            actions.update_badge(user, badge, enabled=action == "enable")
            messages.success(
                request,
                _("The badge is enabled.") if action == "enable" else _("The badge is disabled."),
            )
        elif action == "grant":
            if not grant_form.is_valid():
                return False
            member = User.objects.filter(
                username=grant_form.cleaned_data["username"], is_active=True
            ).first()
            if member is None:
                grant_form.add_error("username", _("No member has this username."))
                return False
            try:
                actions.grant(user, badge, member, reason=grant_form.cleaned_data["reason"])
            except ValidationError as error:
                apply_errors(grant_form, error)
                return False
            except Conflict as error:
                grant_form.add_error(None, error.message)
                return False
            messages.success(
                request, _("%(name)s received the badge.") % {"name": member.profile.name}
            )
        elif action == "revoke":
            member = get_object_or_404(User, username=request.POST.get("username", ""))
            reason = (request.POST.get("reason") or "").strip()
            if not reason:
                messages.error(request, _("Give a reason to take the badge back."))
                return True
            actions.revoke(user, badge, member, reason=reason)
            messages.success(
                request,
                _("The badge was taken back from %(name)s.") % {"name": member.profile.name},
            )
        else:
            raise Http404
    except (ValidationError, Conflict) as error:
        messages.error(request, refusal(error))
    return True

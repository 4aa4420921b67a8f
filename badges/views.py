"""The badges pages of everyone and of members: the catalogue, leaderboards (and the
managers' ambassador view), a member's achievements and showcase, endorsing from a
profile. The managers' badges, levels and qualities pages are in ``badges.manage_views``.

Views read through the badges modules that answer their questions
(``badges.leaderboard``, ``badges.awarding.preview``, ``badges.notices``), decide what
to show with ``community.permissions`` and change things only through
``badges.actions``. Every form posts with its CSRF token and works without script;
bad input comes back as form errors, refusals as messages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from badges import actions, leaderboard, notices, rules, visibility
from badges.forms import ShowcaseForm
from badges.models import Award, Badge, Showcase
from badges.slots import endorse_form
from community import permissions, queries
from community.errors import Conflict
from community.forms import apply_errors
from community.models import User
from community.validators import parse_int
from community.views import profile as profile_page

PERIOD_NAMES = {
    "week": gettext_lazy("This week"),
    "month": gettext_lazy("This month"),
    "all": gettext_lazy("All time"),
}


def _back(request, default):
    """Where to go after a POST: the form's ``next`` if it is on this site, else ``default``."""
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def refusal(error):
    """The words of an action's refusal, for a message."""
    if isinstance(error, Conflict):
        return error.message
    return " ".join(getattr(error, "messages", None) or [str(error)])


def how_to_earn(badge):
    """What a badge asks, in words: its template's summary with its settings, or "by hand"."""
    if badge.mode == Badge.Mode.MANUAL:
        return _("Granted by hand by the managers.")
    try:
        rule = rules.get(badge.rule)
    except KeyError:
        return ""
    return rules.describe(rule, badge.params)


def rule_label(badge):
    if badge.mode == Badge.Mode.MANUAL:
        return _("Granted by hand")
    try:
        return rules.get(badge.rule).label
    except KeyError:
        return badge.rule


# --- Everyone -------------------------------------------------------------------------


def catalogue(request):
    """Every enabled badge the viewer may see, site-wide first, with how many hold it."""
    badges = list(
        Badge.objects.filter(enabled=True)
        .filter(visibility.badge_filter(request.user))
        .select_related("community")
        .annotate(holders=Count("awards"))
        .order_by("community__name", "name")
    )
    for badge in badges:
        badge.how = how_to_earn(badge)
        badge.rule_label = rule_label(badge)
    site = [badge for badge in badges if badge.community_id is None]
    groups = {}
    for badge in badges:
        if badge.community_id is not None:
            groups.setdefault(badge.community_id, (badge.community, []))[1].append(badge)
    return render(
        request,
        "badges/catalogue.html",
        {
            "site_badges": site,
            "community_groups": list(groups.values()),
            "can_manage_site": permissions.can_manage_badges(request.user, None),
        },
    )


def community_leaderboard(request, slug):
    community = queries.community_for(request.user, slug)
    permissions.check_read(request.user, community)
    period = request.GET.get("period") or "week"
    status = 200
    if period not in leaderboard.PERIODS:
        messages.error(request, _("Choose a period: this week, this month or all time."))
        period, status = "week", 400
    return render(
        request,
        "badges/leaderboard.html",
        {
            "community": community,
            "period": period,
            "periods": [(key, PERIOD_NAMES[key]) for key in leaderboard.PERIODS],
            "rows": leaderboard.leaderboard(community, period),
            "can_manage": permissions.can_manage_badges(request.user, community),
        },
        status=status,
    )


@login_required
def ambassadors(request, slug):
    """The managers' view of the most helpful and most active members, with their figures."""
    community = queries.community_for(request.user, slug)
    permissions.check_manage_badges(request.user, community)
    by = request.GET.get("by") or "points"
    if by not in leaderboard.ORDERS:
        by = "points"
    return render(
        request,
        "badges/ambassadors.html",
        {"community": community, "by": by, "rows": leaderboard.ambassadors(community, by=by)},
    )


# --- The member ---------------------------------------------------------------------------


@login_required
def achievements(request):
    """The member's notices, newest first; seeing them marks them read."""
    shown = notices.notices_for(request.user)
    unread = {notice.pk for notice in shown if notice.read_at is None}
    if unread:
        notices.mark_read(request.user)
    return render(request, "badges/achievements.html", {"notices": shown, "unread": unread})


def _my_awards(user):
    """Every badge the member holds and may still see, hidden ones included."""
    return list(
        Award.objects.filter(user=user)
        .filter(visibility.badge_filter(user, "badge__"))
        .select_related("badge__community")
        .order_by("-awarded_at", "-pk")
    )


@login_required
def showcase(request):
    user = request.user
    current = Showcase.objects.filter(user=user).first()
    awards = _my_awards(user)
    initial = {
        "motto": current.motto if current else "",
        "title": str(current.title_id) if current and current.title_id else "",
        "featured": [str(pk) for pk in current.featured] if current else [],
        "hidden": [str(award.pk) for award in awards if award.hidden],
    }
    form = ShowcaseForm(request.POST or None, request.FILES or None, initial=initial, awards=awards)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        hide = set(data["hidden"])
        try:
            with transaction.atomic():
                # Shown again first (so it can be featured), hidden last (which unfeatures it).
                for pk, award in form.awards.items():
                    if award.hidden and pk not in hide:
                        actions.set_award_hidden(user, award, False)
                actions.update_showcase(
                    user,
                    motto=data["motto"],
                    cover=data["cover"] or None,
                    remove_cover=data["remove_cover"],
                    title=form.badges[data["title"]] if data["title"] else "",
                    featured=[form.badges[pk] for pk in data["featured"]],
                )
                for pk, award in form.awards.items():
                    if not award.hidden and pk in hide:
                        actions.set_award_hidden(user, award, True)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your showcase was saved."))
            return redirect("profile", username=user.username)
    return render(
        request, "badges/showcase.html", {"form": form, "showcase": current, "awards": awards}
    )


@login_required
@require_POST
def hide_award(request):
    """The "hide from my profile" (and "show again") button of a badge on the profile."""
    award = get_object_or_404(Award, pk=parse_int(request.POST.get("award"), 0), user=request.user)
    hidden = request.POST.get("hidden") == "1"
    actions.set_award_hidden(request.user, award, hidden)
    messages.success(
        request,
        _("The badge is hidden from your profile.") if hidden else _("The badge is shown again."),
    )
    return redirect(_back(request, reverse("profile", args=[request.user.username])))


def _member(username):
    member = User.objects.filter(username=username, is_active=True).first()
    if member is None:
        raise Http404(_("No member found."))
    return member


@login_required
@require_POST
def endorse(request, username):
    """Endorse a member from their profile; bad input shows the profile again, with the
    form's errors."""
    member = _member(username)
    form, _given = endorse_form(request.user, member, data=request.POST)
    if form is None:
        raise PermissionDenied(_("You can only endorse members of a community you share."))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.endorse(
                request.user,
                member,
                data["community"],
                data["quality_slug"],
                post=data["post_id"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except (PermissionDenied, Conflict) as error:
            form.add_error(None, refusal(error))
        else:
            messages.success(
                request,
                _("You endorsed %(name)s. Thank you!") % {"name": member.profile.name},
            )
            return redirect(reverse("profile", args=[member.username]) + "#endorse")
    request.badges_endorse_form = form  # the profile slot shows it, with its errors
    response = profile_page(request, member.username)
    response.status_code = 400
    return response


@login_required
@require_POST
def withdraw_endorsement(request, username):
    member = _member(username)
    community = queries.community_for(request.user, request.POST.get("community", ""))
    try:
        actions.withdraw_endorsement(
            request.user, member, community, request.POST.get("quality", "")
        )
    except (PermissionDenied, Http404) as error:
        messages.error(request, refusal(error) or _("There was nothing to withdraw."))
    else:
        messages.success(request, _("Your endorsement was withdrawn."))
    return redirect(reverse("profile", args=[member.username]) + "#endorse")

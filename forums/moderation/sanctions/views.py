"""The sanctions part's pages: a member's sanctions and notes, the audit log and its CSV,
the member's own notices."""

from datetime import UTC

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from community import actions as community_actions
from community import activity, permissions, queries
from community.models import Membership, User
from forums.moderation import notices
from forums.moderation.models import Notice
from forums.moderation.sanctions import actions, audit
from forums.moderation.sanctions.forms import (
    AuditFilterForm,
    BanUntilForm,
    NoteForm,
    SanctionForm,
    WarnForm,
)
from forums.moderation.sanctions.models import ModeratorNote

PAGE = 50


@login_required
def member_sanctions(request, slug, username):
    """One member, as their community's moderators see them: sanctions, warnings, notes."""
    community = queries.community_for(request.user, slug)
    permissions.check_moderate(request.user, community)
    target = get_object_or_404(User.objects.select_related("profile"), username=username)
    membership = get_object_or_404(Membership, community=community, user=target)
    membership.community, membership.user = community, target
    forms = {
        "warn": WarnForm(prefix="warn"),
        "note": NoteForm(prefix="note"),
        "silence": SanctionForm(prefix="silence"),
        "ban": BanUntilForm(prefix="ban"),
    }
    if request.method == "POST":
        verb = request.POST.get("verb", "")
        name = target.profile.name
        try:
            if verb == "warn":
                form = forms["warn"] = WarnForm(request.POST, prefix="warn")
                if form.is_valid():
                    actions.warn(request.user, community, target, text=form.cleaned_data["text"])
                    messages.success(request, _("%(name)s was warned.") % {"name": name})
                    return redirect(request.path)
            elif verb == "note":
                form = forms["note"] = NoteForm(request.POST, prefix="note")
                if form.is_valid():
                    actions.add_note(
                        request.user, community, target, text=form.cleaned_data["text"]
                    )
                    messages.success(request, _("Your note was saved."))
                    return redirect(request.path)
            elif verb == "silence":
                form = forms["silence"] = SanctionForm(request.POST, prefix="silence")
                if form.is_valid():
                    community_actions.silence(
                        request.user,
                        community,
                        target,
                        until=form.cleaned_data["until"],
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("%(name)s is silenced.") % {"name": name})
                    return redirect(request.path)
            elif verb == "unsilence":
                community_actions.unsilence(request.user, community, target)
                messages.success(request, _("The silence on %(name)s is lifted.") % {"name": name})
                return redirect(request.path)
            elif verb == "ban":
                form = forms["ban"] = BanUntilForm(request.POST, prefix="ban")
                if form.is_valid():
                    community_actions.ban(
                        request.user,
                        community,
                        target,
                        until=form.cleaned_data["until"],
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("%(name)s is banned.") % {"name": name})
                    return redirect(request.path)
            elif verb == "unban":
                community_actions.unban(request.user, community, target)
                messages.success(request, _("The ban on %(name)s is lifted.") % {"name": name})
                return redirect(request.path)
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return redirect(request.path)
        membership.refresh_from_db()
    return render(
        request,
        "moderation/sanctions/member.html",
        {
            "community": community,
            "member": target,
            "membership": membership,
            "silenced_until": permissions.silenced_until(membership),
            "suspended_until": permissions.suspended_until(target),
            "can_sanction": permissions.can_sanction(request.user, community, membership),
            "warnings": Notice.objects.filter(
                community=community, user=target, kind=Notice.Kind.WARNING
            ).select_related("actor__profile")[:50],
            "notes": ModeratorNote.objects.filter(community=community, user=target).select_related(
                "author__profile"
            )[:50],
            **forms,
        },
    )


def _audit_filters(request, community):
    form = AuditFilterForm(request.GET or None, verbs=activity.audited())
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    since = data.get("since")
    try:
        if since is not None and timezone.is_naive(since):
            since = timezone.make_aware(since)
        if since is not None:
            since.astimezone(UTC)  # the database compares in UTC: 0001-01-01 has none
    except (OverflowError, ValueError):
        form.add_error("since", _("Enter a later date and time."))
        return form, None
    return form, {
        "verb": data.get("verb") or None,
        "actor": data.get("actor") or None,
        "since": since,
    }


@login_required
def audit_page(request, slug):
    """The audit log with its filters, newest first, 50 a page (keyset: ``?cursor=``)."""
    community = queries.community_for(request.user, slug)
    permissions.check_view_audit(request.user, community)
    form, filters = _audit_filters(request, community)
    rows, next_cursor = [], None
    if filters is not None:
        cursor = request.GET.get("cursor", "")
        before = int(cursor) if cursor.isdigit() and len(cursor) < 19 else None
        rows, next_cursor = audit.entries(community, before=before, limit=PAGE, **filters)
    query = {k: v for k, v in request.GET.items() if k != "cursor" and v}
    return render(
        request,
        "moderation/sanctions/audit.html",
        {
            "community": community,
            "form": form,
            "entries": [audit.entry_data(entry) for entry in rows],
            "next_url": f"?{urlencode({**query, 'cursor': next_cursor})}" if next_cursor else "",
            "csv_query": urlencode(query),
        },
    )


@login_required
def audit_csv(request, slug):
    """The audit log as CSV (UTF-8 with a BOM, formula cells neutralised), filters as the page."""
    community = queries.community_for(request.user, slug)
    permissions.check_view_audit(request.user, community)
    _form, filters = _audit_filters(request, community)
    if filters is None:
        filters = {"verb": None, "actor": None, "since": None}
    response = StreamingHttpResponse(
        audit.csv_rows(community, **filters), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{community.slug}-{stamp}.csv"'
    return response


@login_required
def notices_page(request):
    """The member's notices from moderation, newest first; opening the page reads them."""
    rows = list(
        Notice.objects.filter(user=request.user).select_related("community", "thread")[:100]
    )
    notices.mark_all_read(request.user)
    return render(request, "moderation/sanctions/notices.html", {"notices": rows})

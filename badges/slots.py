"""What social value adds to community's pages (``community.slots``).

- ``"profile"``: the member's cover and motto, title and featured badges, expertise
  (level per community, and for the member themselves what it takes to reach the
  next one), badges and traits, endorsements with their evidence, a form to endorse
  them for a co-member, and a timeline of achievements;
- ``"community_links"``: the leaderboard, and for its managers the badges and the
  ambassador view;
- ``"main_nav"``: "Achievements" with the member's unread notices.

Everything about a community is shown only to viewers who may read it
(``badges.visibility``); the profile costs a fixed number of queries whatever the
number of badges, communities and endorsements.
"""

from itertools import groupby

from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from badges import facets, notices, qualities, reputation, visibility
from badges.forms import EndorseForm
from badges.models import Award, Endorsement, Notice, Quality, Showcase
from community import permissions
from community.models import Activity, Membership
from forums.models import Post

TIMELINE_LENGTH = 30
EVIDENCE_PER_QUALITY = 3
ENDORSABLE_POSTS = 20


def _awards(member, viewer, is_self):
    """The member's badges the viewer may see, newest first (their hidden ones too, for
    themselves, to show them again)."""
    awards = Award.objects.filter(user=member).filter(visibility.badge_filter(viewer, "badge__"))
    if not is_self:
        awards = awards.filter(hidden=False)
    return list(awards.select_related("badge__community").order_by("-awarded_at", "-pk"))


def _expertise(member, readable, is_self):
    """Each readable community's level, with the ways to the next one for the member."""
    rows = facets.level_rows([member.pk], readable).get(member.pk, [])
    for row in rows:
        following = row["standing"]["next"]
        show = is_self and following is not None
        row["steps"] = reputation.ways_to(following["points_needed"]) if show else []
    return rows


def _endorsements(member, readable):
    """Per community and quality: the count, and the evidence posts the viewer may read."""
    counted = list(
        Endorsement.objects.filter(endorsee=member, community__in=readable)
        .values("community_id", "community__name", "quality_id", "quality__slug", "quality__name")
        .annotate(count=Count("pk"))
        .order_by("community__name", "-count", "quality__slug")
    )
    evidence = {}
    if counted:
        posts = (
            Endorsement.objects.filter(
                endorsee=member,
                community__in=readable,
                post__isnull=False,
                post__deleted_at__isnull=True,
                post__thread__community__in=readable,
            )
            .select_related("post__thread__community")
            .order_by("-created_at")[:50]
        )
        for endorsement in posts:
            found = evidence.setdefault(endorsement.quality_id, [])
            if len(found) < EVIDENCE_PER_QUALITY and endorsement.post not in found:
                found.append(endorsement.post)
    for row in counted:
        quality = Quality(slug=row["quality__slug"], name=row["quality__name"])
        row["label"] = qualities.label(quality)
        row["posts"] = [
            {"url": f"{post.thread.get_absolute_url()}#post-{post.number}", "thread": post.thread}
            for post in evidence.get(row["quality_id"], ())
        ]
    return [
        {"community": name, "qualities": list(group)}
        for name, group in groupby(counted, key=lambda row: row["community__name"])
    ]


def _timeline(member, awards, readable):
    """Awards by the date they were achieved and level changes, newest first.

    Level changes are read from the member's level notices (``badges.notify``): indexed
    by member, and naming the level as it was called then. What they say is public (the
    profile shows every level); those of communities the viewer may not read are left out.
    """
    entries = [
        {"at": award.awarded_at, "kind": "badge", "badge": award.badge}
        for award in awards
        if not award.hidden
    ]
    changes = list(
        Notice.objects.filter(user=member, kind=Notice.Kind.LEVEL, community__in=readable)
        .select_related("community")
        .order_by("-created_at", "-pk")[:TIMELINE_LENGTH]
    )
    for position, change in enumerate(changes):
        rank = change.data.get("rank")
        older = next(
            (c for c in changes[position + 1 :] if c.community_id == change.community_id), None
        )
        before = older.data.get("rank") if older is not None else 0
        entries.append(
            {
                "at": change.created_at,
                "kind": "level",
                "community": change.community,
                "level": change.data.get("after", ""),
                "up": not isinstance(rank, int) or not isinstance(before, int) or rank > before,
            }
        )
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries[:TIMELINE_LENGTH]


def endorse_form(viewer, member, data=None):
    """The form to endorse the member (bound to ``data`` if given), and the viewer's
    endorsements of them: in communities both belong to, for their qualities, optionally
    pointing at one of the member's recent posts there. (None, []) if none is shared."""
    if not viewer.is_authenticated or viewer.pk == member.pk:
        return None, []
    theirs = Membership.objects.filter(user=member, state=Membership.State.ACTIVE)
    shared = [
        membership.community
        for membership in Membership.objects.filter(
            user=viewer, state=Membership.State.ACTIVE, community__in=theirs.values("community")
        )
        .select_related("community")
        .order_by("community__name")
    ]
    if not shared:
        return None, []
    listed = {}
    for quality in Quality.objects.filter(community__in=shared):
        listed.setdefault(quality.community_id, []).append(quality)
    missing = [community for community in shared if community.pk not in listed]
    if missing:
        # Never given the defaults (a community whose creation's receivers did not run):
        # offer them, as endorsing writes them on first use, unless its managers emptied
        # the list on purpose.
        edited = set(
            Activity.objects.filter(verb="qualities.updated", community__in=missing).values_list(
                "community_id", flat=True
            )
        )
        for community in missing:
            listed[community.pk] = (
                []
                if community.pk in edited
                else [
                    Quality(community=community, slug=slug, name=qualities.untranslated(name))
                    for slug, name in qualities.DEFAULTS
                ]
            )
    posts = list(
        Post.objects.filter(author=member, thread__community__in=shared, deleted_at__isnull=True)
        .select_related("thread")
        .order_by("-created_at")[:ENDORSABLE_POSTS]
    )
    given = list(
        Endorsement.objects.filter(endorser=viewer, endorsee=member, community__in=shared)
        .select_related("community", "quality")
        .order_by("community__name", "quality__position")
    )
    for endorsement in given:
        endorsement.label = qualities.label(endorsement.quality)
    form = EndorseForm(data, communities=shared, qualities=listed, posts=posts)
    return form, given


def profile(request, member):
    viewer = request.user
    is_self = viewer.is_authenticated and viewer.pk == member.pk
    readable = visibility.readable(viewer)
    showcase = Showcase.objects.filter(user=member).first()
    awards = _awards(member, viewer, is_self)
    # What they wear, among the badges shown here (held, not hidden, visible to the viewer).
    shown = {award.badge_id: award.badge for award in awards if not award.hidden}
    title = shown.get(showcase.title_id) if showcase is not None else None
    featured = [shown[pk] for pk in (showcase.featured if showcase else ()) if pk in shown]
    form, given = endorse_form(viewer, member)
    # After a refused endorsement, the form as it was sent, with its errors (badges.views).
    form = getattr(request, "badges_endorse_form", None) or form
    return render_to_string(
        "badges/_profile.html",
        {
            "member": member,
            "is_self": is_self,
            "showcase": showcase,
            "title": title if title is not None and title.is_title else None,
            "featured": featured[: facets.FEATURED_MAX],
            "expertise": _expertise(member, readable, is_self),
            "awards": [award for award in awards if award.badge.kind == "badge"],
            "traits": [award for award in awards if award.badge.kind == "trait"],
            "endorsements": _endorsements(member, readable),
            "timeline": _timeline(member, awards, readable),
            "endorse_form": form,
            "given": given,
        },
        request=request,
    )


def community_links(request, community):
    user = request.user
    if not permissions.can_read(user, community):
        return ""
    return render_to_string(
        "badges/_community_links.html",
        {"community": community, "can_manage": permissions.can_manage_badges(user, community)},
        request=request,
    )


def main_nav(request):
    user = request.user
    if not user.is_authenticated:
        return ""
    count = notices.unread_count(user)
    return format_html(
        '<li><a href="{}">{}{}</a></li>',
        reverse("achievements"),
        _("Achievements"),
        format_html(
            ' <span class="count" data-unread-achievements aria-label="{}">{}</span>',
            _("new achievements"),
            count,
        )
        if count
        else "",
    )


SLOTS = (
    ("profile", profile),
    ("community_links", community_links),
    ("main_nav", main_nav),
)

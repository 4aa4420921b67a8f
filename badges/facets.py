"""What social value adds to members (``community.facets``): two groups of keys.

The author group (``level``, ``title``, ``featured_badges``, ``team``) goes with post
authors: on the thread page's author lines, in the API's posts and in live
``post.created`` events. It costs one query for a whole page of posts: the authors,
their showcase joined, their points in the page's community and the badges they
hold (that may show there) as subqueries. Badge names and icons come from the
cached catalogue (``badges.catalogue``), level names from the cached ladders
(``badges.levels``).

An author line shows nothing about another community than the page's: its title
and featured badges only if site-wide or the page's community's, so that a post in
a public community never tells that its author belongs to a hidden one.

The profile group (``levels``, ``badges``, ``endorsements``) goes with member
payloads only (a profile, the members list): every community the viewer may read
(``badges.visibility``), in three queries whatever the number of members shown.
"""

from django.conf import settings
from django.db.models import Aggregate, CharField, Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from badges import catalogue, levels, qualities, visibility
from badges.models import Award, Endorsement, Quality, Reputation
from community.facets import Facet
from community.models import Membership, User

AUTHOR_KEY = "badges.author"
PROFILE_KEY = "badges.profile"
FEATURED_MAX = 3


class IdList(Aggregate):
    """A group's values as one comma-separated string (GROUP_CONCAT, PostgreSQL's STRING_AGG)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def __init__(self, expression, **extra):
        super().__init__(Cast(expression, CharField()), Value(","), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra_context)


def _ids(text):
    return {int(part) for part in text.split(",") if part} if text else set()


def _is_staff(row):
    return row["is_active"] and (row["is_staff"] or row["is_superuser"])


def _author_rows(user_ids, community, viewer):
    """The one query of the author group: a row per author, with the ids of the badges
    they hold, do not hide and that may show here (``held``): a title or featured badge
    is shown only if among them, whatever the showcase still names."""
    held = Award.objects.filter(user=OuterRef("pk"), hidden=False)
    if community is not None:
        held = held.filter(Q(badge__community__isnull=True) | Q(badge__community=community))
    elif viewer is not None:
        held = held.filter(visibility.badge_filter(viewer, "badge__"))
    else:
        held = held.filter(badge__community__isnull=True)
    held = held.order_by().values("user").annotate(ids=IdList("badge_id")).values("ids")
    fields = ["pk", "is_active", "is_staff", "is_superuser", "showcase__title_id"]
    fields += ["showcase__featured", "held"]
    rows = User.objects.filter(pk__in=user_ids).annotate(held=Subquery(held))
    if community is not None:
        points = Reputation.objects.filter(user=OuterRef("pk"), community=community)
        rows = rows.annotate(points=Subquery(points.values("points")[:1]))
        fields.append("points")
    return rows.values(*fields)


def load_authors(user_ids, community, viewer):
    """``{user_id: {"level", "title", "featured_badges", "team"}}``; see the module's docstring.

    ``level`` is ``badges.levels.standing`` in ``community`` (None without one);
    ``title`` ``{slug, name, icon}``; ``featured_badges`` ``[{slug, name, icon, tier}]``;
    ``team`` the brand's name for site staff.
    """
    rows = list(_author_rows(user_ids, community, viewer))
    ladder = levels.ladders([community.pk])[community.pk] if community is not None else None
    badges = None
    loaded = {}
    for row in rows:
        held = _ids(row["held"])
        title = featured = None
        if held and (row["showcase__title_id"] or row["showcase__featured"]):
            badges = catalogue.badges() if badges is None else badges
            title = (
                badges.get(row["showcase__title_id"]) if row["showcase__title_id"] in held else None
            )
            if title is not None and not title["is_title"]:
                title = None
            chosen = [pk for pk in row["showcase__featured"] or () if isinstance(pk, int)]
            featured = [badges[pk] for pk in chosen if pk in held and pk in badges]
        loaded[row["pk"]] = {
            "level": (levels.standing(row["points"] or 0, ladder) if ladder is not None else None),
            "title": ({key: title[key] for key in ("slug", "name", "icon")} if title else None),
            "featured_badges": [
                {key: badge[key] for key in ("slug", "name", "icon", "tier")}
                for badge in (featured or ())[:FEATURED_MAX]
            ],
            "team": settings.BRAND_NAME if _is_staff(row) else None,
        }
    return loaded


def author_html(values):
    """The author line's fragment: level, title, featured badges, the brand's team marker."""
    parts = []
    level = values["level"]
    if level is not None:
        parts.append(
            format_html(
                '<span class="tag tag-level" data-level-rank="{}" title="{}">{}</span>',
                level["rank"],
                ngettext(
                    "Level here: %(points)d point", "Level here: %(points)d points", level["points"]
                )
                % {"points": level["points"]},
                level["name"],
            )
        )
    title = values["title"]
    if title is not None:
        parts.append(
            format_html(
                '<span class="tag tag-title" title="{}">{} {}</span>',
                _("Title"),
                title["icon"],
                title["name"],
            )
        )
    if values["featured_badges"]:
        icons = format_html_join(
            "",
            '<span class="byline-badge tier-{}" role="img" title="{}" aria-label="{}">{}</span>',
            (
                (badge["tier"], badge["name"], badge["name"], badge["icon"])
                for badge in values["featured_badges"]
            ),
        )
        parts.append(format_html('<span class="byline-badges">{}</span>', icons))
    if values["team"]:
        parts.append(
            format_html(
                '<span class="tag tag-team">{}</span>',
                _("%(brand)s team") % {"brand": values["team"]},
            )
        )
    return format_html(
        '<span class="author-standing">{}</span>', format_html_join("", "{}", ((p,) for p in parts))
    )


def _readable(viewer, community):
    """The communities whose social value the payload may show (a lazy queryset or a list)."""
    if viewer is None:  # whoever may read ``community``: that one only
        return [community.pk] if community is not None else []
    return visibility.readable(viewer)


def level_rows(user_ids, readable):
    """``{user_id: [{"community_id", "slug", "name", "standing"}]}`` by community name: the
    communities in ``readable`` where each has points or is an active member. One query
    (and the ladders, cached)."""
    columns = ("user_id", "community_id", "community__slug", "community__name", "points")
    points = (
        Reputation.objects.filter(user_id__in=user_ids, community__in=readable)
        .annotate(source=Value(1))
        .values_list(*columns, "source")
    )
    memberships = (
        Membership.objects.filter(
            user_id__in=user_ids, state=Membership.State.ACTIVE, community__in=readable
        )
        .annotate(points=Value(0), source=Value(0))
        .values_list(*columns, "source")
    )
    found = {}
    for user_id, community_id, slug, name, value, source in points.union(memberships, all=True):
        key = (user_id, community_id)
        if key not in found or source:
            found[key] = (slug, name, value)
    ladders = levels.ladders([community_id for _user, community_id in found])
    loaded = {}
    for (user_id, community_id), (slug, name, value) in sorted(
        found.items(), key=lambda item: (item[1][1].casefold(), item[1][0])
    ):
        loaded.setdefault(user_id, []).append(
            {
                "community_id": community_id,
                "slug": slug,
                "name": name,
                "standing": levels.standing(value, ladders[community_id]),
            }
        )
    return loaded


def load_badges(user_ids, readable):
    """``{user_id: [{slug, name, tier, icon, kind, community, awarded_at}]}``, newest first,
    not hidden by their holder, and only site-wide or of a community the viewer may read."""
    awards = (
        Award.objects.filter(user_id__in=user_ids, hidden=False)
        .filter(Q(badge__community__isnull=True) | Q(badge__community__in=readable))
        .order_by("-awarded_at", "-pk")
        .values(
            "user_id",
            "awarded_at",
            "badge__slug",
            "badge__name",
            "badge__tier",
            "badge__icon",
            "badge__kind",
            "badge__community__slug",
        )
    )
    loaded = {}
    for row in awards:
        loaded.setdefault(row["user_id"], []).append(
            {
                "slug": row["badge__slug"],
                "name": row["badge__name"],
                "tier": row["badge__tier"],
                "icon": row["badge__icon"],
                "kind": row["badge__kind"],
                "community": row["badge__community__slug"],
                "awarded_at": row["awarded_at"],
            }
        )
    return loaded


def load_endorsements(user_ids, readable):
    """``{user_id: [{community, quality, quality_name, count}]}`` in readable communities."""
    rows = (
        Endorsement.objects.filter(endorsee_id__in=user_ids, community__in=readable)
        .values("endorsee_id", "community__slug", "quality__slug", "quality__name")
        .annotate(count=Count("pk"))
        .order_by("community__slug", "-count", "quality__slug")
    )
    loaded = {}
    for row in rows:
        loaded.setdefault(row["endorsee_id"], []).append(
            {
                "community": row["community__slug"],
                "quality": row["quality__slug"],
                "quality_name": qualities.label(
                    Quality(slug=row["quality__slug"], name=row["quality__name"])
                ),
                "count": row["count"],
            }
        )
    return loaded


def load_profiles(user_ids, community, viewer):
    """``{user_id: {"levels", "badges", "endorsements"}}`` as ``viewer`` may see them."""
    readable = _readable(viewer, community)
    all_levels = level_rows(user_ids, readable)
    badges = load_badges(user_ids, readable)
    endorsements = load_endorsements(user_ids, readable)
    return {
        user_id: {
            "levels": {row["slug"]: row["standing"] for row in all_levels.get(user_id, ())},
            "badges": badges.get(user_id, []),
            "endorsements": endorsements.get(user_id, []),
        }
        for user_id in user_ids
    }


FACETS = (
    Facet(
        AUTHOR_KEY,
        load_authors,
        empty=lambda: {"level": None, "title": None, "featured_badges": [], "team": None},
        html=author_html,
        on_authors=True,
        keys=("level", "title", "featured_badges", "team"),
    ),
    Facet(
        PROFILE_KEY,
        load_profiles,
        empty=lambda: {"levels": {}, "badges": [], "endorsements": []},
        on_authors=False,
        keys=("levels", "badges", "endorsements"),
    ),
)

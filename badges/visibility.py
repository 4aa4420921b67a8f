"""What a viewer may know of social value: one rule, from ``community.permissions``.

A badge, level, endorsement or leaderboard of a community is shown only to those
who may read that community; site-wide badges to everyone. The querysets here are
lazy subqueries, so narrowing costs no query of its own.
"""

from django.db.models import Q

from community import permissions


def readable(viewer):
    """The communities whose social value ``viewer`` may see (a lazy queryset).

    ``viewer`` None is "whoever may read the page's community": the caller narrows
    to that community itself (a live event goes to the readers of its stream).
    """
    return permissions.filter_readable_communities(viewer)


def badge_filter(viewer, prefix=""):
    """A Q for badges (``prefix`` "badge__" for awards) that ``viewer`` may see."""
    return Q(**{f"{prefix}community__isnull": True}) | Q(
        **{f"{prefix}community__in": readable(viewer)}
    )


def community_filter(viewer, field="community"):
    """A Q for rows of one community (levels, endorsements) that ``viewer`` may see."""
    return Q(**{f"{field}__in": readable(viewer)})

"""Where a page's discussion may open: never where it would show a page about a hidden
community to people who may not know of it.

Imports nothing of ``cms`` (the admin's form and the publishing action both ask).
"""

from community.models import Community


def hidden_communities(rules):
    """The hidden communities an audience's rules name (directly, or through a badge)."""
    named = []
    for rule in rules:
        for community in (rule.community, getattr(rule.badge, "community", None)):
            hidden = community is not None and community.visibility == Community.Visibility.HIDDEN
            if hidden and community not in named:
                named.append(community)
    return named


def discussion_fits(rules, community):
    """May a page with these audience rules open its discussion in ``community``?

    A thread shows the page's title, teaser and link to the community's readers. For a
    page about a hidden community (not even teased to outsiders) they must be that
    community's members: its discussion stays in one of the hidden communities named.
    """
    named = hidden_communities(rules)
    return community is None or not named or community in named

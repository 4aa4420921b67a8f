"""The moderators' pages of a community, as tabs: each part registers its own."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Tab:
    key: str
    label: str  # lazily translated
    url_name: str  # takes the community's slug
    order: int = 50
    managers_only: bool = False


_tabs: dict[str, Tab] = {}


def register(tab):
    _tabs[tab.key] = tab


def tabs_for(user, community, current=""):
    """The tabs ``user`` may open, in order, each with its URL and whether it is shown now."""
    from community import permissions

    manager = permissions.can_manage(user, community)
    return [
        {
            "key": tab.key,
            "label": tab.label,
            "url": reverse(tab.url_name, args=[community.slug]),
            "current": tab.key == current,
        }
        for tab in sorted(_tabs.values(), key=lambda tab: (tab.order, tab.key))
        if manager or not tab.managers_only
    ]

"""The communities a report covers, and its slice of the ledger.

A community scope covers one community (or a manager's several); the site scope
covers every community and also the entries that belong to none (content without a
discussion community). Who may ask for which is ``community.permissions``'
(``check_view_kpis``, ``filter_kpi_communities``); building a scope checks nothing.
"""

from dataclasses import dataclass

from community.models import Activity, Community


@dataclass(frozen=True)
class Scope:
    communities: tuple  # Community objects, ordered by name
    site: bool = False

    @property
    def ids(self):
        return [community.pk for community in self.communities]

    @property
    def slugs(self):
        return [community.slug for community in self.communities]

    def ledger(self):
        """The activity entries of the scope (every entry for the site)."""
        if self.site:
            return Activity.objects.all()
        return Activity.objects.filter(community_id__in=self.ids)

    def as_dict(self):
        return {"site": self.site, "communities": self.slugs}


def of(communities):
    """The scope of some communities (a queryset, a list or one community)."""
    if isinstance(communities, Community):
        communities = [communities]
    return Scope(tuple(sorted(communities, key=lambda c: (c.name.lower(), c.pk))))


def site():
    """The whole site: every community, and the entries of none."""
    return Scope(tuple(Community.objects.order_by("name", "pk")), site=True)

"""Who may read a community's engagement figures and export them.

Managers read the KPIs of the communities they manage, and export them (the
member-level export included); site staff read and export every community's and
the site-wide figures. Moderators and members see none: the figures describe the
members, and a hidden community's are no outsider's business (404, as for the
community itself).
"""

from django.utils.translation import gettext as _

from community.errors import Forbidden
from community.models import Community, Membership
from community.permissions.base import can_manage, check_see_community, is_staff


def can_view_kpis(user, community):
    return can_manage(user, community)


def check_view_kpis(user, community):
    check_see_community(user, community)
    if not can_view_kpis(user, community):
        raise Forbidden(_("Only this community's managers can see its figures."))


def can_view_site_kpis(user):
    return is_staff(user)


def check_view_site_kpis(user):
    if not can_view_site_kpis(user):
        raise Forbidden(_("Only site staff can see the site-wide figures."))


def check_view_kpi_scope(user, scope):
    """Raise unless ``user`` may read (and export) the figures of a ``community.kpis``
    scope: the site's for staff, each of its communities' otherwise."""
    if scope.site:
        check_view_site_kpis(user)
        return
    for community in scope.communities:
        check_view_kpis(user, community)


def filter_kpi_communities(user, queryset=None):
    """The communities whose figures ``user`` may read: all for staff, else those they manage."""
    queryset = Community.objects.all() if queryset is None else queryset
    if is_staff(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(
        memberships__user=user,
        memberships__state=Membership.State.ACTIVE,
        memberships__role=Membership.Role.MANAGER,
    )


def can_view_kpi_dashboard(user):
    """The dashboard link: staff, or a manager of at least one community."""
    return is_staff(user) or filter_kpi_communities(user).exists()

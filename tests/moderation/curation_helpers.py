"""What the curation tests share: a community with a moderator, a manager and members."""

from dataclasses import dataclass

from community.models import Activity


@dataclass
class Club:
    community: object
    manager: object
    moderator: object
    member: object
    outsider: object


def make_club(make_community, make_user, add_member, slug="club", **options):
    community = make_community(slug, **options)
    manager, moderator, member, outsider = (make_user() for _ in range(4))
    add_member(community, manager, role="manager")
    add_member(community, moderator, role="moderator")
    add_member(community, member)
    return Club(community, manager, moderator, member, outsider)


def entries(verb):
    return list(Activity.objects.filter(verb=verb).order_by("pk"))

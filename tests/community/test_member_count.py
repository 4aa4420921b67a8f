"""``Community.member_count``: kept by every membership action, read by every page.

A community page counted all its active memberships per request (100,000 rows in a
large community); the count now lives on the community row, moved by the actions in
their own transaction. Checked here against a recount after every action.
"""

import importlib
import inspect
import pkgutil
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import actions
from community.errors import Forbidden
from community.models import Community, Membership

# Every verb of community.actions that changes a membership, each run below.
EXERCISED = {
    "create_community",
    "join",
    "accept_invitation",
    "approve",
    "refuse",
    "leave",
    "remove",
    "ban",
    "unban",
    "set_role",
    "update_member",
    "silence",
    "unsilence",
    "lift_expired_ban",
    "lift_expired_silence",
}


# A count of memberships: an aggregate over their rows (as the pages' annotation was), or a
# COUNT(*) from their table.
COUNTS_MEMBERSHIPS = re.compile(
    r'COUNT\((CASE WHEN )?"community_membership"'
    r'|COUNT\(\*\) AS "__count" FROM "community_membership"'
)
# What a verb that writes memberships calls: the helpers, another such verb, or the rows.
WRITES_MEMBERSHIPS = re.compile(
    r"_membership_change\(|_announce(_removed)?\(|(?<![.\w])join\("
    r"|Membership\.objects\.(create|update|bulk_create|filter\(.*\)\.(update|delete))"
    r"|membership\.(save|delete)\("
)


def assert_counts_match():
    """Every community's kept count is the COUNT of its active memberships."""
    recount = Community.objects.annotate(
        recount=Count("memberships", filter=Q(memberships__state=Membership.State.ACTIVE))
    ).values_list("slug", "member_count", "recount")
    mismatched = [row for row in recount if row[1] != row[2]]
    assert not mismatched, mismatched


def count_of(community):
    return Community.objects.values_list("member_count", flat=True).get(pk=community.pk)


def test_every_verb_that_changes_a_membership_is_exercised_here():
    """A new verb that writes memberships must be added to the test below."""
    modules = [
        importlib.import_module(f"{actions.__name__}.{module.name}")
        for module in pkgutil.iter_modules(actions.__path__)
    ]
    source = "".join(inspect.getsource(module) for module in modules)
    writers = {
        name
        for module in modules
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and not name.startswith("_")
        and WRITES_MEMBERSHIPS.search(inspect.getsource(function))
    }
    assert "join" in writers  # the walk over the package's modules found the verbs
    assert "_count_members(" in source
    assert writers <= EXERCISED, writers - EXERCISED


@pytest.mark.django_db
def test_the_count_follows_every_membership_action(make_community, make_user, staff):
    open_one = make_community("open-club", join_policy="open")
    asked = make_community("asked", visibility="private", join_policy="request")
    invited = make_community("invited", visibility="hidden", join_policy="invite")
    assert (open_one.member_count, count_of(open_one)) == (1, 1)  # its creator
    assert_counts_match()
    alice, bob, carol, dan, erin = (make_user() for _ in range(5))

    steps = [
        ("join open", lambda: actions.join(alice, open_one), open_one, +1),
        ("join open", lambda: actions.join(bob, open_one), open_one, +1),
        ("join open", lambda: actions.join(carol, open_one), open_one, +1),
        ("role", lambda: actions.set_role(staff, open_one, bob, role="moderator"), open_one, 0),
        ("leave", lambda: actions.leave(alice, open_one), open_one, -1),
        ("remove", lambda: actions.remove(staff, open_one, carol), open_one, -1),
        ("ban member", lambda: actions.ban(staff, open_one, bob, reason="spam"), open_one, -1),
        ("ban again", lambda: actions.ban(staff, open_one, bob), open_one, 0),
        ("ban outsider", lambda: actions.ban(staff, open_one, dan), open_one, 0),
        ("unban", lambda: actions.unban(staff, open_one, bob), open_one, +1),
        ("request", lambda: actions.join(alice, asked), asked, 0),
        ("request", lambda: actions.join(bob, asked), asked, 0),
        ("request", lambda: actions.join(carol, asked), asked, 0),
        ("request", lambda: actions.join(dan, asked), asked, 0),
        ("approve", lambda: actions.approve(staff, asked, alice), asked, +1),
        ("refuse", lambda: actions.refuse(staff, asked, bob), asked, 0),
        ("withdraw", lambda: actions.leave(carol, asked), asked, 0),
        ("ban pending", lambda: actions.ban(staff, asked, dan), asked, 0),
        ("remove pending", lambda: actions.join(erin, asked), asked, 0),
        ("remove pending", lambda: actions.remove(staff, asked, erin), asked, 0),
        ("api: approve", lambda: actions.join(erin, asked), asked, 0),
        (
            "api: approve",
            lambda: actions.update_member(staff, asked, erin, state="active"),
            asked,
            +1,
        ),
        (
            "api: ban",
            lambda: actions.update_member(staff, asked, erin, state="banned"),
            asked,
            -1,
        ),
        (
            "api: unban + role",
            lambda: actions.update_member(staff, asked, erin, state="active", role="moderator"),
            asked,
            +1,
        ),
        (
            "api: role",
            lambda: actions.update_member(staff, asked, alice, role="moderator"),
            asked,
            0,
        ),
        (
            "invitation",
            lambda: actions.accept_invitation(
                alice, actions.invite(staff, invited, email=alice.email)
            ),
            invited,
            +1,
        ),
        (
            "join with invitation",
            lambda: actions.join(
                bob, invited, invitation=actions.invite(staff, invited, email=bob.email)
            ),
            invited,
            +1,
        ),
        ("leave", lambda: actions.leave(bob, invited), invited, -1),
        # A silence keeps the member (read-only); a ban with an end date is lifted by the
        # worker once it is due, and the member counts again.
        ("rejoin", lambda: actions.join(carol, open_one), open_one, +1),
        ("silence", lambda: actions.silence(staff, open_one, carol, until=soon()), open_one, 0),
        ("unsilence", lambda: actions.unsilence(staff, open_one, carol), open_one, 0),
        (
            "silence ends",
            lambda: lift(actions.sanctions.lift_expired_silence, open_one, carol, silence=True),
            open_one,
            0,
        ),
        ("ban until", lambda: actions.ban(staff, open_one, carol, until=soon()), open_one, -1),
        (
            "ban ends",
            lambda: lift(actions.memberships.lift_expired_ban, open_one, carol),
            open_one,
            +1,
        ),
    ]

    def soon():
        return timezone.now() + timedelta(hours=1)

    def lift(lifter, community, user, *, silence=False):
        membership = Membership.objects.get(community=community, user=user)
        if silence:
            actions.silence(staff, community, user, until=soon())
            membership.refresh_from_db()
        assert lifter(membership.pk, timezone.now() + timedelta(hours=2))
        community.refresh_from_db(fields=["member_count"])  # the worker read its own row

    for name, step, community, delta in steps:
        before = count_of(community)
        step()
        assert count_of(community) == before + delta, name
        assert_counts_match()
    # The objects the actions were given were kept in step with their rows.
    for community in (open_one, asked, invited):
        assert community.member_count == count_of(community)


@pytest.mark.django_db
def test_a_refused_change_leaves_the_count_as_it_was(make_community, make_user, add_member, staff):
    community = make_community("strict", join_policy="open")
    moderator, target = make_user(), make_user()
    add_member(community, moderator, role="moderator")
    actions.join(target, community)
    actions.ban(staff, community, target)
    before = count_of(community)
    # Unbanning (+1) then a role only managers give: all or nothing.
    with pytest.raises(Forbidden):
        actions.update_member(moderator, community, target, state="active", role="manager")
    assert count_of(community) == before
    assert community.member_count == before  # read again after the rollback
    assert_counts_match()
    # A join that is refused counts nothing either.
    with pytest.raises(Forbidden):
        actions.join(target, community)
    assert count_of(community) == before
    assert_counts_match()


@pytest.mark.django_db
@pytest.mark.parametrize("members", [1, 25])
def test_community_pages_read_the_count_without_counting(
    client, make_community, make_user, add_member, members
):
    community = make_community("big", visibility="public")
    viewer = make_user()
    add_member(community, viewer)
    for _ in range(members):
        add_member(community, make_user())
    expected = members + 2  # the creator, the viewer
    client.force_login(viewer)
    client.get("/")  # the session
    client.get(f"/c/{community.slug}/")  # the community page's caches (tags, experts)
    pages = {"site home": "/", "community home": f"/c/{community.slug}/"}
    counts = {}
    for name, path in pages.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200
        assert f"{expected} members" in response.content.decode(), name
        counting = [q["sql"] for q in captured if COUNTS_MEMBERSHIPS.search(q["sql"])]
        assert counting == [], (name, counting)
        counts[name] = len(captured)
    # The same queries at 1 and at 25 members (tests/community/test_views.py has the figures).
    assert counts == {"site home": 8, "community home": 9}, counts
    response = client.get(f"/api/v1/communities/{community.slug}")
    assert response.json()["member_count"] == expected


@pytest.mark.django_db
def test_the_migration_counts_existing_communities(make_community, make_user, add_member):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("community.migrations.0004_community_member_count")
    one, two = make_community("one"), make_community("two", join_policy="request")
    for _ in range(3):
        add_member(one, make_user())
    actions.join(make_user(), two)  # pending: not counted
    Community.objects.update(member_count=0)  # as the column's default leaves them
    migration.count_members(apps, connection.schema_editor())
    assert [count_of(one), count_of(two)] == [4, 1]
    assert_counts_match()

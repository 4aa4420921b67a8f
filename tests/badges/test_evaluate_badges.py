"""``manage.py evaluate_badges``: the backfill, its dry run, one community, bad input."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from badges.models import Award, Badge, Notice
from community.models import Activity
from tests.badges import rule_history as h
from tests.badges.rule_history import at

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("evaluate_badges", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def scene(make_community, make_user, add_member):
    support, club = make_community("support"), make_community("club")
    alice, bob = make_user(username="alice"), make_user(username="bob")
    for community, member in ((support, alice), (support, bob), (club, bob)):
        add_member(community, member)  # a community's badges go to its active members
    h.post(h.thread(support, alice, at(1)), bob, at(2))
    h.thread(club, bob, at(3))
    badges = [
        Badge.objects.create(
            slug=slug, name=slug, community=community, rule="first_post", enabled=True
        )
        for slug, community in (("first-support", support), ("first-club", club))
    ]
    return {"support": support, "club": club, "alice": alice, "bob": bob, "badges": badges}


def test_backfill_prints_each_badge_and_the_time(scene):
    out = run()
    assert "first-support (first_post, support): awarded 2" in out
    assert "first-club (first_post, club): awarded 1" in out
    assert "Awarded 3 badge(s) to 2 member(s) in " in out and " s." in out
    assert dict(
        Award.objects.filter(badge__slug="first-support").values_list(
            "user__username", "awarded_at"
        )
    ) == {"alice": at(1), "bob": at(2)}
    assert Notice.objects.filter(kind=Notice.Kind.SUMMARY).count() == 2
    again = run()
    assert "awarded 0" in again and "Awarded 0 badge(s) to 0 member(s)" in again
    assert Notice.objects.count() == 2


def test_dry_run_counts_and_writes_nothing(scene):
    before = (Award.objects.count(), Notice.objects.count(), Activity.objects.count())
    out = run("--dry-run", "-v", "2")
    assert out.startswith("Dry run: 2 rule badge(s)")
    assert "first-support (first_post, support): would award 2" in out
    assert "    alice since 2025-03-01 12:00" in out
    assert "Would award 3 badge(s) to 2 member(s)" in out
    assert (Award.objects.count(), Notice.objects.count(), Activity.objects.count()) == before


def test_one_community(scene):
    out = run("--community", "club")
    assert "first-club" in out and "first-support" not in out
    assert list(Award.objects.values_list("badge__slug", "user__username")) == [
        ("first-club", "bob")
    ]


def test_no_enabled_badge(scene):
    Badge.objects.update(enabled=False)
    assert run() == "No enabled rule badge (all communities and site-wide).\n"


def test_an_unknown_community_is_refused(scene):
    with pytest.raises(CommandError, match="No community with the slug 'nope'"):
        run("--community", "nope")
    assert not Award.objects.exists()

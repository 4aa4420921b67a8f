"""The badges app's actions: badges, grants and revocations, levels.

Everything is set up through the real actions (community, forums, badges); entries
are delivered to their receivers where a test says so (``act``), as their commit would.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from badges import actions, levels
from badges.models import Award, Badge, Level, Notice, Reputation, Showcase
from community.errors import Conflict, Forbidden
from community.models import Activity
from forums import actions as forums


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run an action and deliver what its commit would (receivers, background jobs)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def world(make_community, make_user, add_member):
    support = make_community("support", kind="support")
    club = make_community("club", visibility="hidden", join_policy="invite")
    manager, member, other, outsider = (make_user() for _ in range(4))
    add_member(support, manager, role="manager")
    for user in (member, other):
        add_member(support, user)
    add_member(club, member)
    return {
        "support": support,
        "club": club,
        "manager": manager,
        "member": member,
        "other": other,
        "outsider": outsider,
    }


def manual_badge(world, name="Ambassador", **extra):
    return actions.create_badge(
        world["manager"],
        community=world["support"],
        name=name,
        mode="manual",
        enabled=extra.pop("enabled", True),
        **extra,
    )


def codes(refusal):
    """Every code of a ValidationError, by field."""
    return {field: [e.code for e in errors] for field, errors in refusal.value.error_dict.items()}


# --- Creating and editing badges ------------------------------------------------------


@pytest.mark.django_db
def test_a_manager_creates_a_manual_badge_with_a_slug_unique_site_wide(world, staff):
    badge = manual_badge(world, description="Speaks for us", icon="🎤", tier="gold")
    assert (badge.slug, badge.mode, badge.rule, badge.kind) == ("ambassador", "manual", "", "badge")
    assert badge.community == world["support"] and badge.created_by == world["manager"]
    entry = Activity.objects.get(verb="badge.created", object_id=badge.pk)
    assert entry.actor == world["manager"] and entry.community == world["support"]
    assert entry.data == {"rule": "", "mode": "manual"}

    again = manual_badge(world)
    site = actions.create_badge(staff, name="Ambassador", mode="manual")
    assert (again.slug, site.slug, site.community) == ("ambassador-2", "ambassador-3", None)
    emoji_only = manual_badge(world, name="🎉🎉")
    assert emoji_only.slug == "badge"


@pytest.mark.django_db
def test_a_rule_badge_takes_its_template_kind_and_default_settings(world):
    owl = actions.create_badge(
        world["manager"], community=world["support"], name="Owl", rule="night_owl"
    )
    assert owl.kind == "trait" and owl.mode == "rule" and owl.enabled is False
    assert owl.params == {"min_posts": 20, "share": 50}
    helper = actions.create_badge(
        world["manager"],
        community=world["support"],
        name="Helper",
        rule="accepted_answers",
        params={"n": "10"},
        kind="badge",
        tier="silver",
    )
    assert helper.params == {"n": 10} and helper.kind == "badge" and helper.tier == "silver"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"rule": "no_such_rule"}, "rule", "unknown_rule"),
        ({"rule": "accepted_answers", "params": {"n": 0}}, "params", "too_small"),
        ({"rule": "accepted_answers", "params": {"n": -3}}, "params", "too_small"),
        ({"rule": "accepted_answers", "params": {"bogus": 1}}, "params", "unknown_param"),
        ({"mode": "manual", "rule": "first_post"}, "rule", "manual_rule"),
        ({"mode": "manual", "params": {"n": 1}}, "params", "manual_rule"),
        ({"mode": "sometimes"}, "mode", "invalid_choice"),
        ({"rule": "first_post", "tier": "platinum"}, "tier", "invalid_choice"),
        ({"rule": "first_post", "kind": "quirk"}, "kind", "invalid_choice"),
        ({"rule": "first_post", "name": "  "}, "name", "blank"),
        ({"rule": "first_post", "name": "x" * 61}, "name", "max_length"),
        ({"rule": "first_post", "name": "Bad\nname"}, "name", "invisible_characters"),
    ],
)
def test_creating_a_badge_refuses_bad_settings(world, fields, field, code):
    fields = {"name": "Badge", **fields}
    with pytest.raises(ValidationError) as refusal:
        actions.create_badge(world["manager"], community=world["support"], **fields)
    assert code in codes(refusal)[field]
    assert not Badge.objects.exists()


@pytest.mark.django_db
def test_a_rule_for_the_whole_site_only_is_refused_in_a_community(world):
    from badges import rules

    site_only = [rule for rule in rules.all() if "community" not in rule.scopes]
    for rule in site_only:
        with pytest.raises(ValidationError) as refusal:
            actions.create_badge(
                world["manager"], community=world["support"], name="X", rule=rule.key
            )
        assert codes(refusal)["rule"] == ["rule_scope"]


@pytest.mark.django_db
def test_only_managers_create_badges_and_only_staff_site_wide_ones(world, staff):
    for user in (world["member"], world["outsider"]):
        with pytest.raises(PermissionDenied):
            manual_badge(dict(world, manager=user))
    with pytest.raises(Forbidden):
        actions.create_badge(world["manager"], name="Site", mode="manual")
    with pytest.raises(Http404):  # a hidden community is "not found" to outsiders
        actions.create_badge(world["outsider"], community=world["club"], name="X", mode="manual")
    assert actions.create_badge(staff, name="Site", mode="manual").community is None
    assert Badge.objects.count() == 1


@pytest.mark.django_db
def test_update_badge_records_what_changed(world):
    badge = actions.create_badge(
        world["manager"], community=world["support"], name="Helper", rule="accepted_answers"
    )
    updated = actions.update_badge(
        world["manager"], badge, name="Great helper", params={"n": 5}, tier="gold"
    )
    assert (updated.name, updated.params, updated.tier, updated.slug) == (
        "Great helper",
        {"n": 5},
        "gold",
        "helper",
    )
    assert badge.name == "Great helper"  # the caller's copy follows, as after save()
    entry = Activity.objects.get(verb="badge.updated")
    assert entry.data == {
        "before": {"name": "Helper", "params": {"n": 1}, "tier": "bronze"},
        "after": {"name": "Great helper", "params": {"n": 5}, "tier": "gold"},
    }
    actions.update_badge(world["manager"], badge, name="Great helper")  # no change: no entry
    assert Activity.objects.filter(verb="badge.updated").count() == 1

    with pytest.raises(ValidationError) as refusal:
        actions.update_badge(world["manager"], badge, params={"n": 0})
    assert "too_small" in codes(refusal)["params"]
    with pytest.raises(ValidationError):
        actions.update_badge(world["manager"], badge, mode="manual")
    with pytest.raises(PermissionDenied):
        actions.update_badge(world["member"], badge, enabled=True)
    assert Badge.objects.get(pk=badge.pk).params == {"n": 5}


@pytest.mark.django_db
def test_enabling_a_rule_badge_awards_it_to_who_already_qualified_at_their_date(world, act):
    thread = forums.create_thread(
        world["member"], world["support"], kind="discussion", title="Hi", body="First"
    )
    badge = actions.create_badge(
        world["manager"], community=world["support"], name="First words", rule="first_post"
    )
    assert not Award.objects.exists()  # disabled: nothing awarded
    act(actions.update_badge, world["manager"], badge, enabled=True)
    award = Award.objects.get(badge=badge)
    assert award.user == world["member"]
    assert award.awarded_at == thread.posts.get().created_at  # the real date, not today's


@pytest.mark.django_db
def test_a_badge_that_stops_being_a_title_is_taken_off_who_wore_it(world):
    badge = manual_badge(world, is_title=True)
    actions.grant(world["manager"], badge, world["member"], reason="Our voice")
    actions.update_showcase(world["member"], title=badge)
    actions.update_badge(world["manager"], badge, is_title=False)
    assert Showcase.objects.get(user=world["member"]).title is None


# --- Granting and revoking ------------------------------------------------------------


@pytest.mark.django_db
def test_grant_writes_the_award_its_ledger_entry_and_tells_the_member(world, capture_events):
    badge = manual_badge(world)
    member = world["member"]
    with capture_events(f"me:{member.pk}") as events:
        award = actions.grant(world["manager"], badge, member, reason="  Spoke at the meetup ")
    assert (award.user, award.granted_by, award.reason) == (
        member,
        world["manager"],
        "Spoke at the meetup",
    )
    entry = Activity.objects.get(verb="badge.granted")
    assert entry.actor == world["manager"] and entry.target_user == member
    assert entry.community == world["support"] and entry.object_id == award.pk
    assert entry.data == {"badge": "ambassador", "reason": "Spoke at the meetup"}
    notice = Notice.objects.get(user=member)
    assert notice.kind == "badge" and notice.badge == badge
    awarded = [e for e in events if e.get("event") == "badge.awarded"]
    assert len(awarded) == 1 and awarded[0]["data"]["badge"] == "ambassador"
    assert awarded[0]["data"]["community"] == "support"


@pytest.mark.django_db
def test_a_grant_rolled_back_tells_nobody(world, capture_events):
    badge = manual_badge(world)
    member = world["member"]
    with (
        capture_events(f"me:{member.pk}") as events,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.grant(world["manager"], badge, member, reason="Spoke at the meetup")
        raise RuntimeError("the surrounding transaction failed")
    assert [e for e in events if e.get("event") == "badge.awarded"] == []
    assert not Award.objects.exists() and not Notice.objects.exists()
    assert not Activity.objects.filter(verb="badge.granted").exists()


@pytest.mark.django_db
def test_grant_refusals(world, staff):
    badge = manual_badge(world)
    member = world["member"]
    actions.grant(world["manager"], badge, member, reason="Yes")
    with pytest.raises(Conflict) as twice:
        actions.grant(staff, badge, member, reason="Again")
    assert twice.value.code == "already_held"
    with pytest.raises(Forbidden):  # granting without the role
        actions.grant(world["other"], badge, world["other"], reason="Me!")
    with pytest.raises(ValidationError) as no_reason:
        actions.grant(world["manager"], badge, world["other"], reason="   ")
    assert codes(no_reason) == {"reason": ["reason_required"]}
    with pytest.raises(ValidationError) as outsider:
        actions.grant(world["manager"], badge, world["outsider"], reason="Nice")
    assert codes(outsider) == {"username": ["not_a_member"]}

    rule_badge = actions.create_badge(
        world["manager"], community=world["support"], name="Post", rule="first_post"
    )
    with pytest.raises(Conflict) as by_rule:
        actions.grant(world["manager"], rule_badge, world["other"], reason="Why not")
    assert by_rule.value.code == "rule_badge"
    disabled = manual_badge(world, name="Beta tester", enabled=False)
    with pytest.raises(Conflict) as off:
        actions.grant(world["manager"], disabled, world["other"], reason="Tested")
    assert off.value.code == "badge_disabled"
    assert Award.objects.count() == 1
    assert Activity.objects.filter(verb="badge.granted").count() == 1


@pytest.mark.django_db
def test_revoke_deletes_the_award_records_the_reason_and_clears_the_showcase(world):
    badge = manual_badge(world, is_title=True)
    member = world["member"]
    actions.grant(world["manager"], badge, member, reason="Voice")
    actions.update_showcase(member, title=badge, featured=[badge])
    actions.revoke(world["manager"], badge, member, reason="Left the programme")
    assert not Award.objects.exists()
    entry = Activity.objects.get(verb="badge.revoked")
    assert entry.target_user == member and entry.actor == world["manager"]
    assert entry.data == {"badge": "ambassador", "reason": "Left the programme"}
    showcase = Showcase.objects.get(user=member)
    assert showcase.title is None and showcase.featured == []
    with pytest.raises(Http404):
        actions.revoke(world["manager"], badge, member, reason="Again")
    with pytest.raises(ValidationError):
        actions.revoke(world["manager"], badge, member, reason="")
    with pytest.raises(Forbidden):
        actions.revoke(world["other"], badge, member, reason="No")


# --- Levels ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_set_levels_writes_the_ladder_records_it_and_moves_ranks(world, act):
    support, member = world["support"], world["member"]
    post = forums.create_thread(member, support, kind="discussion", title="Tip", body="Tip")
    for giver in (world["other"], world["manager"]):
        act(forums.react, giver, post.posts.get(), kind="like")
    reputation = Reputation.objects.get(user=member, community=support)
    assert (reputation.points, reputation.rank) == (4, 0)
    steps = [("Visitor", 0), ("Friend", 3), ("Pillar", 30)]
    rows = act(actions.set_levels, world["manager"], support, steps)
    assert [(row.rank, row.name, row.threshold) for row in rows] == [
        (0, "Visitor", 0),
        (1, "Friend", 3),
        (2, "Pillar", 30),
    ]
    assert Reputation.objects.get(pk=reputation.pk).rank == 1
    assert [(s.name, s.threshold) for s in levels.ladder(support)] == steps
    entry = Activity.objects.get(verb="levels.updated")
    assert entry.actor == world["manager"] and entry.community == support
    assert entry.data["before"] == [[str(name), threshold] for name, threshold in levels.DEFAULTS]
    assert entry.data["after"] == [list(step) for step in steps]
    assert not Notice.objects.filter(kind="level").exclude(data__after="Regular").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([("Start", 0), ("Next", 0)], "threshold_not_positive"),
        ([("Start", 0), ("Next", -5)], "threshold_not_positive"),
        ([("Start", -1), ("Next", 5)], "first_threshold"),
        ([("Start", 5), ("Next", 10)], "first_threshold"),
        ([("Start", 0), ("High", 50), ("Low", 20)], "thresholds_out_of_order"),
        ([("Start", 0), ("Same", 20), ("Again", 20)], "thresholds_out_of_order"),
        ([("Start", 0), ("", 5)], "level_name"),
        ([("Start", 0), ("start", 5)], "duplicate_level_name"),
        ([("Start", 0), ("N" * 41, 5)], "level_name"),
        ([("Start", 0)], "level_count"),
        ([(f"L{n}", n) for n in range(11)], "level_count"),
        ([("Start", 0), ("Next", "ten")], "invalid_threshold"),
        ([("Start", 0), ("Next", 2_000_000_000)], "threshold_too_large"),
    ],
)
def test_set_levels_refuses_bad_ladders(world, steps, code):
    with pytest.raises(ValidationError) as refusal:
        actions.set_levels(world["manager"], world["support"], steps)
    assert code in codes(refusal)["levels"]
    assert not Level.objects.exists()
    assert not Activity.objects.filter(verb="levels.updated").exists()


@pytest.mark.django_db
def test_set_levels_is_for_managers(world):
    with pytest.raises(Forbidden):
        actions.set_levels(world["member"], world["support"], [("A", 0), ("B", 5)])
    with pytest.raises(Http404):
        actions.set_levels(world["outsider"], world["club"], [("A", 0), ("B", 5)])

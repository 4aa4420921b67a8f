"""A hand-built history, written through the real actions at known times, and every figure
of the report's core (members, interactions, participation, retention, profile, goals)
computed by hand.

The site's zone is Europe/Paris: UTC+1 until 2025-03-30 01:00 UTC, UTC+2 after. Two
entries sit on a local day that is not their UTC day, one of them across the change.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.utils import timezone as django_timezone

from community import actions
from community.kpis import period as periods
from community.kpis import report
from community.kpis import scope as scopes
from community.models import Activity, Goal, ProfileField
from forums import actions as forums

REAL_DATETIME = datetime


class _Clock(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, REAL_DATETIME)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, REAL_DATETIME)


@contextmanager
def frozen_clock():
    """Freeze ``django.utils.timezone.now`` (and the models' ``default=timezone.now``, which
    holds the function itself) at a moment the test moves: ``set(moment)``.

    No freezing library is installed; ``now()`` reads the ``datetime`` class of
    ``django.utils.timezone``, so that class is swapped for one whose ``now`` is fixed.
    """
    state = {}

    class Frozen(REAL_DATETIME, metaclass=_Clock):
        @classmethod
        def now(cls, tz=None):
            return state["now"].astimezone(tz) if tz else state["now"].replace(tzinfo=None)

    with mock.patch.object(django_timezone, "datetime", Frozen):
        yield lambda moment: state.__setitem__("now", moment)


def utc(month, day, hour, minute=0):
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


NOW = utc(7, 1, 12)


@pytest.fixture
def history(staff, make_user):
    """Community "club", range 2025-03-24 to 2025-04-06 (two ISO weeks), seen on 1 July."""
    people = {}
    with frozen_clock() as at:
        at(utc(3, 1, 10))
        club = actions.create_community(
            staff,
            slug="club",
            name="Club",
            kind="discussion",
            visibility="public",
            join_policy="open",
        )
        for name in ("alice", "bob", "carol", "dave", "erin", "frank"):
            people[name] = make_user(username=name)
        alice, bob, carol, dave, erin, frank = (people[n] for n in people)
        at(utc(3, 12, 10))
        actions.join(alice, club)  # previous period
        at(utc(3, 20, 10))
        actions.join(bob, club)  # previous period
        at(utc(3, 20, 11))
        t1 = forums.create_thread(alice, club, kind="discussion", title="Hello", body="Hi all")
        # --- the range ---
        at(utc(3, 25, 9))
        actions.join(carol, club)
        at(utc(3, 25, 10))
        p1 = forums.reply(bob, t1, body="Hi alice")  # 1 reply, local 03-25
        at(utc(3, 25, 10, 5))
        forums.react(alice, p1, kind="like")  # 2 reaction, 03-25
        at(utc(3, 26, 9))
        actions.join(frank, club)  # his account is deleted later
        at(utc(3, 26, 9, 30))
        forums.reply(frank, t1, body="Me too")  # 3 reply, 03-26 (actor deleted later)
        at(utc(3, 26, 12))
        t2 = forums.create_thread(carol, club, kind="discussion", title="Bikes", body="Mine")
        # 4 thread, 03-26
        at(utc(3, 29, 23, 30))  # 00:30 on 30 March in Paris (UTC+1)
        forums.react(bob, t2.posts.get(number=1), kind="love")  # 5 reaction, 03-30
        at(utc(3, 30, 22, 30))  # 00:30 on 31 March in Paris (UTC+2 now): week 2
        p2 = forums.reply(carol, t1, body="Welcome")  # 6 reply, 03-31
        at(utc(4, 1, 9))
        actions.join(dave, club)
        at(utc(4, 1, 10))
        p3 = forums.reply(dave, t2, body="Nice bike")  # 7 reply, 04-01
        at(utc(4, 1, 10, 1))
        forums.react(dave, p1, kind="like")  # 8 reaction, 04-01
        at(utc(4, 2, 10))
        actions.leave(bob, club)
        at(utc(4, 4, 10))
        actions.join(erin, club)
        at(utc(4, 4, 10, 30))
        actions.ban(staff, club, erin, reason="Spam")
        # --- after the range ---
        at(utc(4, 10, 10))
        frank.delete()
        at(utc(4, 15, 10))
        forums.react(alice, p2, kind="like")  # retains alice (joined 03-12: days 30-59)
    return club, people, p3


def build(club, start="2025-03-24", end="2025-04-06", granularity="week"):
    period = periods.parse(start, end, granularity, now=NOW)
    return report.build(scopes.of(club), period)


@pytest.mark.django_db
def test_members_and_interactions_by_hand(history):
    club, _people, _p3 = history
    data = build(club)
    # Members at the end (7 April 00:00 local): staff (creator), alice, carol, dave = 4.
    # bob left, erin joined and was banned, frank's account is gone (his entries are
    # nobody's). New in range: carol, dave, erin = 3 (frank's join is nobody's). Left:
    # bob, erin = 2.
    assert data["members"]["total"] == 4
    assert data["members"]["new"] == 3
    assert data["members"]["left"] == 2
    # Interactions 1..8: threads 1 (4), replies 4 (1, 3, 6, 7), reactions 3 (2, 5, 8).
    # Frank's reply still counts: it happened.
    assert data["interactions"] == {
        "total": 8,
        "by_kind": {
            "threads": 1,
            "replies": 4,
            "reactions": 3,
            "idea_votes": 0,
            "poll_answers": 0,
            "endorsements": 0,
        },
    }
    # Joins in range: carol, frank, dave, erin = 4 entries (counted, not interactions).
    assert data["counted"] == {"joins": 4, "content_views": 0, "code_reveals": 0}
    # Active: bob, alice, carol, dave = 4 (frank's reply has no account any more).
    assert data["members"]["active"] == 4
    # Daily distinct members: 03-25 bob+alice 2, 03-26 carol 1, 03-30 bob 1, 03-31 carol 1,
    # 04-01 dave 1: 6 over 14 days = 0.428... -> 0.43.
    assert data["members"]["dau"] == 0.43
    # WAU = 7 days to 04-06 (03-31..04-06): carol, dave = 2. MAU = 03-08..04-06: alice,
    # bob, carol, dave = 4. Stickiness 0.43 / 4 = 0.1075.
    assert data["members"]["wau"] == 2
    assert data["members"]["mau"] == 4
    assert data["members"]["stickiness"] == 0.1075
    assert data["people_talking_about_this"] == 2
    # 8 interactions / 4 members; (1 thread + 4 replies) / 4 active.
    assert data["interaction_rate"] == 2.0
    assert data["posts_per_active_member"] == 1.25


@pytest.mark.django_db
def test_participation_top_contributors_and_profile_by_hand(history):
    club, people, _p3 = history
    ProfileField.objects.create(key="city", label="City")
    data = build(club)
    # People: members at the end (staff, alice, carol, dave) and bob who interacted: 5.
    # Interactions by account: bob 2, carol 2, dave 2, alice 1, staff 0 (frank's has none).
    # Top 1 % = ceil(0.05) = 1 person: bob 2 of 7 = 0.2857; next 9 %: ceil(0.5) - 1 = 0
    # people: 0.0; the rest 5 / 7 = 0.7143.
    assert data["participation"] == {
        "contributors": 4,
        "top_1_percent_share": 0.2857,
        "next_9_percent_share": 0.0,
        "rest_share": 0.7143,
    }
    # Ties by account id (bob, carol, dave were created in that order).
    assert data["top_contributors"] == [
        {"username": "bob", "display_name": "bob", "interactions": 2},
        {"username": "carol", "display_name": "carol", "interactions": 2},
        {"username": "dave", "display_name": "dave", "interactions": 2},
        {"username": "alice", "display_name": "alice", "interactions": 1},
    ]
    # The top 10 % = ceil(0.5) = 1 person: bob, who is no longer a member: 0 of 4.
    # No level changed; no one answered "city": both fields appear, without rows.
    assert data["engaged_profile"] == {
        "top_members": 0,
        "all_members": 4,
        "fields": [
            {"key": "level", "label": "Level", "rows": []},
            {"key": "city", "label": "City", "rows": []},
        ],
    }
    assert people["bob"].pk < people["carol"].pk < people["dave"].pk


@pytest.mark.django_db
def test_retention_previous_and_series_by_hand(history):
    club, _people, _p3 = history
    data = build(club)
    # March cohort: alice 03-12, bob 03-20, carol 03-25 (the creator's entry is not a join,
    # frank's is nobody's) = 3. Retained (days 30 to 59 after the join day): alice by her
    # reaction of 04-15 (day 34); bob, carol nothing. April: dave, erin = 2, none.
    # Windows ended by 1 July: March's last on 05-30, April's on 06-29.
    assert data["retention"] == [
        {
            "cohort": "2025-03",
            "joined": 3,
            "active_after_30_days": 1,
            "share": 0.3333,
            "complete": True,
        },
        {
            "cohort": "2025-04",
            "joined": 2,
            "active_after_30_days": 0,
            "share": 0.0,
            "complete": True,
        },
    ]
    # Previous period 03-10..03-23: alice's thread; members at its end staff, alice, bob;
    # new alice, bob; people talking (03-17..03-23) alice.
    previous = data["previous"]
    assert previous["interactions"] == 1
    assert previous["members_total"] == 3
    assert previous["interaction_rate"] == 0.3333
    assert previous["people_talking_about_this"] == 1
    assert previous["active_members"] == 1
    assert previous["new_members"] == 2
    # Week 1 (03-24..03-30): interactions 1-5; members at its end staff, alice, bob, carol
    # = 4; active and talking bob, alice, carol = 3; new carol. Week 2: 6-8; 4 members;
    # carol, dave; new dave, erin.
    week1, week2 = data["series"]
    assert {k: week1[k] for k in SERIES_CORE} == {
        "period": "2025-03-24",
        "interactions": 5,
        "interaction_rate": 1.25,
        "people_talking_about_this": 3,
        "members_total": 4,
        "new_members": 1,
        "active_members": 3,
    }
    assert {k: week2[k] for k in SERIES_CORE} == {
        "period": "2025-03-31",
        "interactions": 3,
        "interaction_rate": 0.75,
        "people_talking_about_this": 2,
        "members_total": 4,
        "new_members": 2,
        "active_members": 2,
    }


SERIES_CORE = (
    "period",
    "interactions",
    "interaction_rate",
    "people_talking_about_this",
    "members_total",
    "new_members",
    "active_members",
)


@pytest.mark.django_db
def test_local_days_across_the_change_to_summer_time(history):
    club, _people, _p3 = history
    days = {point["period"]: point for point in build(club, granularity="day")["series"]}
    # 03-29 23:30 UTC is 00:30 on the 30th (UTC+1); 03-30 22:30 UTC is 00:30 on the 31st.
    assert days["2025-03-29"]["interactions"] == 0
    assert days["2025-03-30"]["interactions"] == 1
    assert days["2025-03-30"]["active_members"] == 1
    assert days["2025-03-31"]["interactions"] == 1
    # People talking on 03-31: the 7 days 03-25..03-31: bob, alice, carol.
    assert days["2025-03-31"]["people_talking_about_this"] == 3
    assert sum(point["interactions"] for point in days.values()) == 8


@pytest.mark.django_db
def test_goals_per_week_and_per_month(history, staff):
    club, _people, _p3 = history
    Goal.objects.create(
        community=club, kpi="interaction_rate", granularity="week", target=1.0,
        starts_on=date(2025, 3, 1), created_by=staff,
    )  # fmt: skip
    Goal.objects.create(
        community=club, kpi="new_members", granularity="month", target=2,
        starts_on=date(2025, 3, 1), created_by=staff,
    )  # fmt: skip
    goals = {goal["kpi"]: goal for goal in build(club)["goals"]}
    # Weeks: 1.25 (met), 0.75 (not met): down.
    rate = goals["interaction_rate"]
    assert [(p["label"], p["value"], p["met"]) for p in rate["periods"]] == [
        ("2025-03-24", 1.25, True),
        ("2025-03-31", 0.75, False),
    ]
    assert rate["latest"] == {"label": "2025-03-31", "value": 0.75, "met": False}
    assert rate["trend"] == "down"
    assert (rate["direction"], rate["unit"], rate["target"]) == ("higher", "ratio", 1.0)
    # Months cut to the range: 03-24..03-31 carol (1, not met), 04-01..04-06 dave, erin (2).
    new = goals["new_members"]
    assert [(p["label"], p["value"], p["met"]) for p in new["periods"]] == [
        ("2025-03-24", 1, False),
        ("2025-04-01", 2, True),
    ]
    assert new["trend"] == "up"


@pytest.mark.django_db
def test_figures_do_not_change_when_a_post_is_hidden_later(history, staff):
    club, _people, p3 = history
    before = build(club)
    with frozen_clock() as at:
        at(utc(4, 20, 10))
        forums.hide_post(staff, p3, reason="Off topic")
    assert Activity.objects.filter(verb="post.hidden").count() == 1
    after = build(club)
    before.pop("generated_at"), after.pop("generated_at")
    assert after == before
    assert after["interactions"]["by_kind"]["replies"] == 4


@pytest.mark.django_db
def test_the_report_has_exactly_the_keys_of_the_interface(history):
    club, _people, _p3 = history
    data = build(club)
    assert set(data) == {
        "definitions_version", "generated_at", "range", "scope", "members", "interactions",
        "counted", "interaction_rate", "people_talking_about_this", "posts_per_active_member",
        "participation", "questions", "ideas", "content", "moderation", "social",
        "retention", "engaged_profile", "top_contributors", "previous", "goals", "series",
    }  # fmt: skip
    assert data["definitions_version"] == "1"
    assert data["range"] == {
        "start": "2025-03-24",
        "end": "2025-04-06",
        "granularity": "week",
        "time_zone": "Europe/Paris",
    }
    assert data["scope"] == {"site": False, "communities": ["club"]}
    assert set(data["members"]) == {"total", "new", "left", "active", "dau", "wau", "mau",
                                    "stickiness"}  # fmt: skip
    for point in data["series"]:
        assert set(point) == {"period", "start", "end", *report.SERIES_KEYS}
    site = report.build(
        scopes.site(), periods.parse("2025-03-24", "2025-04-06", "week", now=NOW),
        communities=True,
    )  # fmt: skip
    assert site["communities"] == [
        {
            "slug": "club",
            "name": "Club",
            "members_total": 4,
            "active_members": 4,
            "interactions": 8,
            "interaction_rate": 2.0,
            "people_talking_about_this": 2,
            "questions_asked": 0,
            "first_response_median_seconds": None,
            "answered_within_target_share": None,
            "solved_share": None,
        }
    ]


@pytest.mark.django_db
def test_an_entry_just_before_local_midnight_stays_on_its_day(make_community, make_user):
    club = make_community("late")
    member = make_user()
    # 22:59:59.999900 UTC is 23:59:59.9999 in Paris (UTC+1) on 29 March.
    Activity.objects.create(
        verb="reaction.added",
        community=club,
        actor=member,
        created_at=datetime(2025, 3, 29, 22, 59, 59, 999900, tzinfo=UTC),
    )
    days = {p["period"]: p for p in build(club, "2025-03-29", "2025-03-30", "day")["series"]}
    assert (days["2025-03-29"]["interactions"], days["2025-03-30"]["interactions"]) == (1, 0)

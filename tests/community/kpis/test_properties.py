"""Figures add up: across communities, across periods, across buckets (hypothesis).

Random small histories are written straight into the ledger (these test the arithmetic,
not the actions), each example inside a savepoint rolled back afterwards: the ledger is
append-only, so nothing could delete them.
"""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.kpis import definitions, report
from community.kpis import period as periods
from community.kpis import scope as scopes
from community.models import Activity, Community
from tests.factories import UserFactory

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
ORIGIN = datetime(2025, 2, 20, tzinfo=UTC)  # entries from here, over 60 days
VERBS = (
    *definitions.INTERACTION_VERBS,
    *definitions.MEMBERSHIP_IN,
    *definitions.MEMBERSHIP_OUT,
    "content.viewed",
)

entry = st.tuples(
    st.sampled_from(VERBS),
    st.integers(0, 2),  # community
    st.integers(0, 5),  # account (5: a deleted one, no actor)
    st.integers(0, 60 * 24 - 1),  # hour since ORIGIN
)
HYPOTHESIS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(db):
    communities = [
        Community.objects.create(slug=f"c{i}", name=f"C{i}", created_at=ORIGIN) for i in range(3)
    ]
    users = [UserFactory() for _ in range(5)]
    return communities, users


def write(history, communities, users):
    Activity.objects.bulk_create(
        Activity(
            verb=verb,
            community=communities[c],
            actor=users[u] if u < len(users) else None,
            target_user=users[u] if u < len(users) else None,
            created_at=ORIGIN + timedelta(hours=hour),
        )
        for verb, c, u, hour in history
    )


def build(scope, start, end, granularity="day"):
    return report.build(scope, periods.parse(start, end, granularity, now=NOW), goals=False)


@contextmanager
def rolled_back():
    """One hypothesis example's entries, rolled back afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
@HYPOTHESIS
@given(history=st.lists(entry, max_size=40))
def test_the_site_adds_up_its_communities(world, history):
    communities, users = world
    with rolled_back():
        write(history, communities, users)
        site = build(scopes.site(), "2025-03-01", "2025-04-10", "week")
        parts = [build(scopes.of(c), "2025-03-01", "2025-04-10", "week") for c in communities]
        # Counts add up: every entry is in exactly one community.
        assert site["interactions"]["total"] == sum(p["interactions"]["total"] for p in parts)
        for kind, n in site["interactions"]["by_kind"].items():
            assert n == sum(p["interactions"]["by_kind"][kind] for p in parts)
        assert site["counted"]["joins"] == sum(p["counted"]["joins"] for p in parts)
        # Distinct people: at most the sum, at least the largest community.
        for key in ("active", "total", "wau", "mau"):
            values = [p["members"][key] for p in parts]
            assert max(values) <= site["members"][key] <= sum(values), key
        values = [p["people_talking_about_this"] for p in parts]
        assert max(values) <= site["people_talking_about_this"] <= sum(values)
        # The communities side by side say the same as each community's own report.
        by_slug = {row["slug"]: row for row in build_with_communities()["communities"]}
        for community, part in zip(communities, parts, strict=True):
            row = by_slug[community.slug]
            assert row["interactions"] == part["interactions"]["total"]
            assert row["active_members"] == part["members"]["active"]
            assert row["members_total"] == part["members"]["total"]
            assert row["people_talking_about_this"] == part["people_talking_about_this"]


def build_with_communities():
    period = periods.parse("2025-03-01", "2025-04-10", "week", now=NOW)
    return report.build(scopes.site(), period, goals=False, communities=True)


@pytest.mark.django_db
@HYPOTHESIS
@given(history=st.lists(entry, max_size=40), granularity=st.sampled_from(["day", "week"]))
def test_buckets_and_days_add_up_to_the_range(world, history, granularity):
    communities, users = world
    with rolled_back():
        write(history, communities, users)
        scope = scopes.of(communities[0])
        month = build(scope, "2025-03-01", "2025-03-31", granularity)
        points = month["series"]
        assert sum(p["interactions"] for p in points) == month["interactions"]["total"]
        assert sum(p["new_members"] for p in points) == month["members"]["new"]
        assert points[-1]["members_total"] == month["members"]["total"]
        # Active per bucket: each at most the range's, together at least the range's.
        active = [p["active_members"] for p in points]
        assert max(active) <= month["members"]["active"] <= sum(active)
        # A range of three days is the sum of its three one-day ranges.
        days = [build(scope, f"2025-03-{d:02}", f"2025-03-{d:02}") for d in (28, 29, 30)]
        three = build(scope, "2025-03-28", "2025-03-30")
        assert three["interactions"]["total"] == sum(d["interactions"]["total"] for d in days)
        assert three["members"]["new"] == sum(d["members"]["new"] for d in days)
        assert three["members"]["dau"] == round(sum(d["members"]["active"] for d in days) / 3, 2)
        # Participation shares are shares of one whole.
        shares = month["participation"]
        if shares["top_1_percent_share"] is not None:
            total = (
                shares["top_1_percent_share"]
                + shares["next_9_percent_share"]
                + shares["rest_share"]
            )
            assert abs(total - 1) < 0.001


def queries(scope_builder):
    with CaptureQueriesContext(connection) as context:
        report.build(scope_builder(), periods.parse("2025-03-01", "2025-03-31", now=NOW))
    return len(context.captured_queries)


def populate(communities, users, per_verb):
    """``per_verb`` entries of every verb, spread over March, the accounts and communities
    (so that each kind of figure has something to count, whatever the size)."""
    history = [
        (verb, i % len(communities), i % 6, 9 * 24 + (i * 7 + v) % (31 * 24))
        for v, verb in enumerate(VERBS)
        for i in range(per_verb)
    ]
    Activity.objects.bulk_create(
        Activity(
            verb=verb,
            community=communities[c],
            actor=users[u] if u < len(users) else None,
            target_user=users[u] if u < len(users) else None,
            created_at=ORIGIN + timedelta(hours=hour),
        )
        for verb, c, u, hour in history
    )


@pytest.mark.django_db
def test_the_site_report_runs_as_many_queries_for_2_communities_as_for_6():
    users = [UserFactory() for _ in range(5)]
    counts = []
    for size in (2, 6):
        with rolled_back():
            communities = [
                Community.objects.create(slug=f"q{i}", name=f"Q{i}") for i in range(size)
            ]
            populate(communities, users, 60)
            counts.append(queries(scopes.site))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_site_report_runs_as_many_queries_for_10_entries_of_each_verb_as_for_100():
    users = [UserFactory() for _ in range(5)]
    communities = [Community.objects.create(slug=f"q{i}", name=f"Q{i}") for i in range(3)]
    counts = []
    for size in (10, 100):
        with rolled_back():
            populate(communities, users, size)
            counts.append(queries(scopes.site))
    assert counts[0] == counts[1]

"""The production path: PostgreSQL row locks and the Redis channel layer, for real.

Marked ``production``: .ci/run runs them with DATABASE_URL and REDIS_URL set
when PostgreSQL and Redis answer; elsewhere they are skipped. The last test
(a dead channel layer) needs neither and always runs.
"""

import logging
import threading

import pytest
from django.db import connection, connections

from community import actions
from community.errors import Conflict
from community.models import Membership
from realtime import publish
from tests.factories import UserFactory


def new_community(staff, slug, visibility="public", join_policy="open"):
    return actions.create_community(
        staff,
        slug=slug,
        name=slug.title(),
        kind="club",
        visibility=visibility,
        join_policy=join_policy,
    )


def run_together(*functions):
    """Run the functions in threads released at the same instant; return results or errors."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # collected for the assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_database_is_postgresql():
    assert connection.vendor == "postgresql"


@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_make_one_membership():
    staff, user = UserFactory(is_staff=True), UserFactory()
    community = new_community(staff, "race", "public", "open")
    results = run_together(*(lambda: actions.join(user, community) for _ in range(4)))
    assert sum(isinstance(r, Membership) for r in results) == 1, results
    assert all(isinstance(r, Membership | Conflict) for r in results), results
    assert Membership.objects.filter(community=community, user=user).count() == 1


@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_approve_and_ban_racing_end_in_one_consistent_state():
    staff, user = UserFactory(is_staff=True), UserFactory()
    community = new_community(staff, "race2", "private", "request")
    actions.join(user, community)
    results = run_together(
        lambda: actions.approve(staff, community, user),
        lambda: actions.ban(staff, community, user),
    )
    membership = Membership.objects.get(community=community, user=user)
    # Whatever the order, the ban is not lost: either it came last, or it came first
    # and the approval then found no pending request and was refused.
    assert membership.state == "banned", results


@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_events_cross_processes_through_redis(settings, capture_events):
    """Published on one Redis connection, received on another (the listener's own loop)."""
    assert "redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
    data = {"community": "c", "username": "u", "role": "member", "state": "active"}
    with capture_events("me:42") as events:
        publish.send_event_rollback_unsafe("me:42", "membership.changed", data)
    [message] = events
    assert message["event"] == "membership.changed" and message["data"] == data


@pytest.mark.django_db(transaction=True)
def test_a_dead_channel_layer_loses_no_write(settings, caplog):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Nothing listens on port 9 (discard): every publish fails at once.
            "CONFIG": {"hosts": ["redis://127.0.0.1:9/0"]},
        }
    }
    staff, user = UserFactory(is_staff=True), UserFactory()
    community = new_community(staff, "down", "public", "open")
    with caplog.at_level(logging.ERROR, logger="realtime.publish"):
        membership = actions.join(user, community)
    assert Membership.objects.get(pk=membership.pk).state == "active"
    assert any("Could not publish" in r.message for r in caplog.records)


@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_one_invitation_link_lets_one_person_in():
    staff, first, second = UserFactory(is_staff=True), UserFactory(), UserFactory()
    club = new_community(staff, "vip", "hidden", "invite")
    invitation = actions.invite(staff, club, email="forwarded@example.com")
    results = run_together(
        lambda: actions.accept_invitation(first, invitation),
        lambda: actions.accept_invitation(second, invitation),
    )
    assert sum(isinstance(r, Membership) for r in results) == 1, results
    assert Membership.objects.filter(community=club).count() == 2  # staff + one guest


@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_two_managers_leaving_at_once_leave_one_behind():
    staff = UserFactory(is_staff=True)
    first, second, member = UserFactory(), UserFactory(), UserFactory()
    community = new_community(staff, "duo", "public", "open")
    for user in (first, second, member):
        actions.join(user, community)
    for user in (first, second):
        actions.set_role(staff, community, user, role="manager")
    actions.leave(staff, community)  # the creator goes; two managers and a member remain
    results = run_together(
        lambda: actions.leave(first, community), lambda: actions.leave(second, community)
    )
    managers = Membership.objects.filter(community=community, role="manager", state="active")
    assert managers.count() == 1, results
    assert sum(getattr(r, "code", None) == "last_manager" for r in results) == 1, results

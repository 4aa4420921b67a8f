"""The activity ledger: declared verbs, delivery after commit, and append-only for real."""

import logging

import pytest
from django.core import checks
from django.db import transaction
from django.db.models import ProtectedError

from community import actions, activity
from community.activity import Verb
from community.models import Activity, AppendOnly, Community


@pytest.fixture
def receiver():
    """A receiver connected to every verb for the test's duration; its list of entries."""
    seen = []

    def receive(entry):
        seen.append(entry)

    activity.connect(activity.ANY, receive)
    yield seen
    activity.disconnect(receive)


# --- Declared verbs ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_undeclared_verb_is_a_programming_error(make_community):
    with pytest.raises(ValueError, match=r"Undeclared activity verb 'community\.renamed'"):
        activity.record("community.renamed", community=make_community("c"))
    assert not Activity.objects.filter(verb="community.renamed").exists()


@pytest.mark.django_db
def test_a_verb_is_recorded_about_its_declared_object_with_its_keys(make_community, staff):
    community = make_community("c")
    with pytest.raises(ValueError, match=r"about community\.membership, not community\.community"):
        activity.record("membership.banned", actor=staff, obj=community, reason="")
    membership = community.memberships.get()
    with pytest.raises(ValueError, match=r"missing \['reason'\]"):
        activity.record("membership.banned", actor=staff, obj=membership)
    with pytest.raises(ValueError, match=r"unknown \['why'\]"):
        activity.record("membership.banned", actor=staff, obj=membership, reason="", why="x")
    entry = activity.record("membership.banned", actor=staff, obj=membership, reason="spam")
    assert entry.object_type == "membership" and entry.data == {"reason": "spam"}


def test_a_verb_is_declared_once():
    activity.declare(Verb("community.created", "community.community"))  # the same: fine
    with pytest.raises(ValueError, match="already declared differently"):
        activity.declare(Verb("community.created", None))


def test_a_receiver_of_an_undeclared_verb_fails_the_system_checks():
    def receive(entry):
        pass

    activity.connect("community.renamed", receive)
    try:
        errors = [e for e in checks.run_checks() if e.id == "community.E010"]
    finally:
        activity.disconnect(receive)
    assert [e.msg for e in errors] == [
        "Activity receivers are connected to 'community.renamed', which no app declares."
    ]
    assert not [e for e in checks.run_checks() if e.id == "community.E010"]


# --- Delivery after commit -----------------------------------------------------------------


@pytest.mark.django_db
def test_entries_reach_receivers_after_commit_only(
    make_community, make_user, receiver, django_capture_on_commit_callbacks
):
    community = make_community("c", join_policy="open")
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        actions.join(user, community)
        assert receiver == []  # not inside the writing transaction
    [entry] = receiver
    assert (entry.verb, entry.actor_id, entry.community_id) == (
        "membership.joined",
        user.pk,
        community.pk,
    )
    assert entry.obj.user == user  # the object, in memory: receivers need no query for it


@pytest.mark.django_db
def test_a_rollback_delivers_nothing(
    make_community, make_user, receiver, django_capture_on_commit_callbacks
):
    community = make_community("c", join_policy="open")
    user = make_user()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.join(user, community)
        raise RuntimeError("the request failed after the join")
    assert receiver == [] and callbacks == []
    assert not Activity.objects.filter(verb="membership.joined").exists()


@pytest.mark.django_db
def test_a_failing_receiver_is_logged_and_stops_nothing(
    make_community, make_user, django_capture_on_commit_callbacks, caplog
):
    after = []

    def broken(entry):
        raise RuntimeError("a badge rule crashed")

    def next_one(entry):
        after.append(entry.verb)

    activity.connect("membership.joined", broken)
    activity.connect("membership.joined", next_one)
    community = make_community("c", join_policy="open")
    user = make_user()
    try:
        with (
            caplog.at_level(logging.ERROR, logger="community.activity"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            membership = actions.join(user, community)
    finally:
        activity.disconnect(broken)
        activity.disconnect(next_one)
    assert after == ["membership.joined"]
    assert "failed on membership.joined" in caplog.text and "a badge rule crashed" in caplog.text
    assert community.memberships.get(pk=membership.pk).state == "active"


@pytest.mark.django_db
def test_a_background_receiver_gets_a_copy_of_the_entry(
    make_community, make_user, django_capture_on_commit_callbacks
):
    copies = []

    def slow(entry):
        copies.append(entry)

    activity.connect("membership.joined", slow, background=True)
    community = make_community("c", join_policy="open")
    user = make_user()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            membership = actions.join(user, community)
    finally:
        activity.disconnect(slow)
    [copy] = copies  # the tests run background tasks at once (ImmediateBackend)
    stored = Activity.objects.get(verb="membership.joined")
    assert copy is not stored and copy.pk == stored.pk
    fields = (
        "verb",
        "actor_id",
        "community_id",
        "target_user_id",
        "object_id",
        "data",
        "created_at",
    )
    assert [getattr(copy, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert copy.object_id == membership.pk


@pytest.mark.django_db
def test_a_background_task_runs_connected_receivers_only():
    with pytest.raises(LookupError, match=r"No activity receiver named 'os\.system'"):
        activity.deliver_later.call("os.system", {})


# --- Append-only ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_entries_are_never_changed_nor_deleted(make_community):
    make_community("c")
    entry = Activity.objects.get(verb="community.created")
    entry.verb = "community.updated"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        Activity.objects.filter(pk=entry.pk).update(verb="community.updated")
    with pytest.raises(AppendOnly):
        Activity.objects.all().delete()
    assert Activity.objects.get(pk=entry.pk).verb == "community.created"


@pytest.mark.django_db
def test_a_community_with_history_cannot_be_deleted(make_community):
    community = make_community("c")
    count = Activity.objects.filter(community=community).count()
    assert count >= 1
    with pytest.raises(ProtectedError):
        community.delete()
    assert Community.objects.filter(pk=community.pk).exists()
    assert Activity.objects.filter(community=community).count() == count


@pytest.mark.django_db
def test_a_deleted_account_keeps_its_entries_without_the_name(make_community, make_user):
    community = make_community("c", join_policy="open")
    user = make_user()
    actions.join(user, community)
    user.delete()
    entry = Activity.objects.get(verb="membership.joined")
    assert entry.actor_id is None and entry.community_id == community.pk


@pytest.mark.django_db
def test_the_admin_neither_changes_nor_deletes_entries(client, make_community, django_user_model):
    make_community("c")
    entry = Activity.objects.get(verb="community.created")
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    listing = client.get("/admin/community/activity/")
    assert listing.status_code == 200
    assert b'name="action"' not in listing.content  # no "delete selected" action
    change = client.post(f"/admin/community/activity/{entry.pk}/change/", {"verb": "x"})
    assert change.status_code in (200, 403)
    assert client.get(f"/admin/community/activity/{entry.pk}/delete/").status_code == 403
    assert (
        client.post(f"/admin/community/activity/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/community/activity/add/").status_code == 403
    assert Activity.objects.get(pk=entry.pk).verb == "community.created"

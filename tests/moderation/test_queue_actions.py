"""The review queue: claims, decisions on each kind of item, ledger, events, scope, API."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community import actions as community_actions
from community.errors import Conflict
from community.models import Activity, Membership
from forums import actions as forum_actions
from forums import screening
from forums.models import Status
from forums.moderation.models import Notice
from forums.moderation.queue import actions, flags
from forums.moderation.queue.models import Flag, QueueItem
from tests.moderation.queue_helpers import bearer, call, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(world):
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    return QueueItem.objects.get(post=world.post)


@pytest.fixture
def holding():
    """A screen that holds every message containing "HOLDME" (as prevention's would)."""

    def screen(draft):
        if "HOLDME" in draft.body:
            draft.hold.append("test_hold")
        if "FLAGME" in draft.body:
            draft.flag.append("test_flag")

    screening.register(screen)
    yield
    screening._screens.remove(screen)


# --- Claims ------------------------------------------------------------------------------


def test_claim_records_and_publishes(world, flagged, capture_events):
    with capture_events("moderation:club") as received:
        actions.claim(world.moderator, flagged)
    flagged.refresh_from_db()
    assert flagged.claimed_by == world.moderator
    minutes = (flagged.claimed_until - timezone.now()).total_seconds() / 60
    assert 9.5 < minutes <= 10
    entry = Activity.objects.get(verb="queue.claimed")
    assert entry.actor == world.moderator and entry.object_id == flagged.pk
    assert entry.data["before"] is None and entry.data["after"] == "mod"
    assert entry.data["kind"] == "flagged" and entry.data["until"]
    [event] = [m for m in received if m["event"] == "queue.changed"]
    assert event["data"]["claimed_by"] == "mod" and event["data"]["id"] == flagged.pk


def test_someone_elses_claim_is_refused_until_it_expires(world, flagged, make_user, add_member):
    other = make_user(username="othermod")
    add_member(world.club, other, role="moderator")
    actions.claim(world.moderator, flagged)
    with pytest.raises(Conflict) as refused:
        actions.claim(other, flagged)
    assert refused.value.code == "claimed" and "mod is handling this item" in refused.value.message
    with pytest.raises(Conflict):
        actions.approve(other, flagged)
    with pytest.raises(Conflict):
        actions.reject(other, flagged, reason="no")
    # Expired: free for anyone.
    QueueItem.objects.filter(pk=flagged.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    actions.claim(other, flagged)
    flagged.refresh_from_db()
    assert flagged.claimed_by == other
    assert Activity.objects.filter(verb="queue.claimed").last().data["before"] is None


def test_holder_reclaim_extends(world, flagged):
    actions.claim(world.moderator, flagged)
    QueueItem.objects.filter(pk=flagged.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=1)
    )
    actions.claim(world.moderator, flagged)
    flagged.refresh_from_db()
    assert flagged.claimed_until > timezone.now() + timedelta(minutes=9)
    assert Activity.objects.filter(verb="queue.claimed").last().data["before"] == "mod"


def test_claim_duration_is_the_communitys(world, flagged, staff):
    actions.configure(staff, world.club, claim_minutes=30)
    actions.claim(world.moderator, flagged)
    flagged.refresh_from_db()
    assert flagged.claimed_until > timezone.now() + timedelta(minutes=29)


def test_resolved_item_cannot_be_claimed_or_decided(world, flagged):
    actions.approve(world.moderator, flagged)
    with pytest.raises(Conflict) as refused:
        actions.claim(world.moderator, flagged)
    assert refused.value.code == "resolved"
    with pytest.raises(Conflict):
        actions.reject(world.moderator, flagged, reason="late")


# --- Scope -------------------------------------------------------------------------------


def test_only_this_communitys_moderators(world, flagged, make_community, make_user, add_member):
    elsewhere = make_community("elsewhere")
    outside_mod = make_user()
    add_member(elsewhere, outside_mod, role="moderator")
    add_member(world.club, outside_mod)  # a plain member here
    for attempt in (
        lambda: actions.claim(outside_mod, flagged),
        lambda: actions.approve(outside_mod, flagged),
        lambda: actions.reject(outside_mod, flagged, reason="x"),
        lambda: actions.claim(world.flaggers[0], flagged),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert not Activity.objects.filter(verb__startswith="queue.").exists()


# --- Flagged items -------------------------------------------------------------------------


def test_reject_flagged_upholds_and_hides(world, flagged, capture_events):
    flags.flag_post(world.flaggers[1], world.post, reason="abuse")
    with capture_events("moderation:club") as received:
        actions.reject(world.moderator, flagged, reason="Advertising is not allowed.")
    world.post.refresh_from_db()
    assert world.post.status == Status.HIDDEN and world.post.moderated_by == world.moderator
    assert set(Flag.objects.values_list("outcome", flat=True)) == {"upheld"}
    flagged.refresh_from_db()
    assert (flagged.state, flagged.resolved_by, flagged.resolution_reason) == (
        "rejected",
        world.moderator,
        "Advertising is not allowed.",
    )
    entry = Activity.objects.get(verb="queue.rejected")
    assert entry.data == {
        "kind": "flagged",
        "reason": "Advertising is not allowed.",
        "before": "open",
        "after": "rejected",
    }
    assert entry.target_user == world.author
    notice = Notice.objects.get(user=world.author, kind="hidden")
    assert notice.text == "Advertising is not allowed."
    assert [m["data"]["state"] for m in received if m["event"] == "queue.changed"] == ["rejected"]


def test_reject_needs_a_reason(world, flagged):
    with pytest.raises(ValidationError):
        actions.reject(world.moderator, flagged, reason="  ")


def test_reject_auto_hidden_tells_author_the_reason(world, staff):
    actions.configure(staff, world.club, hide_threshold=1.0)
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    item = QueueItem.objects.get(post=world.post)
    actions.reject(world.moderator, item, reason="Spam, as flagged.")
    assert Notice.objects.filter(user=world.author, text="Spam, as flagged.").exists()
    world.post.refresh_from_db()
    assert world.post.status == Status.HIDDEN


def test_approve_flagged_dismisses(world, flagged):
    actions.approve(world.moderator, flagged, reason="Fine.")
    world.post.refresh_from_db()
    assert world.post.status == Status.PUBLISHED
    assert set(Flag.objects.values_list("outcome", flat=True)) == {"dismissed"}
    entry = Activity.objects.get(verb="queue.approved")
    assert entry.data["after"] == "approved" and entry.data["reason"] == "Fine."
    # A new flag after the decision opens a new item.
    flags.flag_post(world.flaggers[1], world.post, reason="spam")
    assert QueueItem.objects.filter(post=world.post, state="open").count() == 1


def test_reject_flagged_thread_hides_it(world):
    flags.flag_thread(world.flaggers[0], world.thread, reason="abuse")
    item = QueueItem.objects.get(thread=world.thread, post__isnull=True)
    actions.reject(world.moderator, item, reason="Abusive title.")
    world.thread.refresh_from_db()
    assert world.thread.status == Status.HIDDEN


# --- Held items (the screening hook) --------------------------------------------------------


def test_held_reply_goes_to_queue_and_approve_publishes(world, holding, capture_events):
    with capture_events("moderation:club") as received:
        post = forum_actions.reply(world.flaggers[0], world.thread, body="HOLDME please")
    assert post.status == Status.HELD
    item = QueueItem.objects.get(post=post)
    assert (item.kind, item.reasons, item.subject_id) == (
        "held",
        ["test_hold"],
        world.flaggers[0].pk,
    )
    assert [m["event"] for m in received] == ["queue.changed"]
    actions.claim(world.moderator, item)
    actions.approve(world.moderator, item, reason="Welcome!")
    post.refresh_from_db()
    assert post.status == Status.PUBLISHED
    assert Activity.objects.filter(verb="post.approved", object_id=post.pk).exists()
    assert Activity.objects.get(verb="queue.approved").data["kind"] == "held"


def test_held_thread_reject_refuses_it(world, holding):
    thread = forum_actions.create_thread(
        world.flaggers[0], world.club, kind="discussion", title="Mine", body="HOLDME"
    )
    item = QueueItem.objects.get(thread=thread, post__isnull=True)
    assert item.kind == "held"
    actions.reject(world.moderator, item, reason="Off topic here.")
    thread.refresh_from_db()
    assert thread.status == Status.HIDDEN
    assert Notice.objects.get(user=world.flaggers[0], kind="rejected").text == "Off topic here."


def test_screen_flag_enqueues_flagged_item(world, holding):
    post = forum_actions.reply(world.flaggers[0], world.thread, body="FLAGME now")
    assert post.status == Status.PUBLISHED
    item = QueueItem.objects.get(post=post)
    assert (item.kind, item.reasons, item.weight) == ("flagged", ["test_flag"], 0)


def test_edit_hold_becomes_flag(world, holding):
    post = forum_actions.reply(world.flaggers[0], world.thread, body="Plain")
    forum_actions.edit_post(world.flaggers[0], post, body="Now HOLDME")
    post.refresh_from_db()
    assert post.status == Status.PUBLISHED
    assert QueueItem.objects.get(post=post).kind == "flagged"


# --- Join requests -------------------------------------------------------------------------


@pytest.fixture
def gated(make_community, make_user, add_member):
    gated = make_community("gated", join_policy="request")
    moderator = make_user(username="gatekeeper")
    add_member(gated, moderator, role="moderator")
    return gated, moderator


def test_join_request_enqueued_and_approved(gated, make_user, django_capture_on_commit_callbacks):
    community, moderator = gated
    applicant = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        membership = community_actions.join(applicant, community)
    item = QueueItem.objects.get(membership=membership)
    assert (item.kind, item.subject_id, item.state) == ("join", applicant.pk, "open")
    actions.approve(moderator, item, reason="Welcome aboard.")
    membership.refresh_from_db()
    assert membership.state == Membership.State.ACTIVE
    item.refresh_from_db()
    assert item.state == "approved" and item.membership is None
    notice = Notice.objects.get(user=applicant, kind="approved")
    assert "Welcome aboard." in notice.text
    assert Activity.objects.filter(verb="membership.approved").exists()


def test_join_request_rejected_tells_requester(
    gated, make_user, django_capture_on_commit_callbacks
):
    community, moderator = gated
    applicant = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        community_actions.join(applicant, community)
    item = QueueItem.objects.get(kind="join")
    actions.reject(moderator, item, reason="Customers only.")
    assert not Membership.objects.filter(user=applicant, community=community).exists()
    item.refresh_from_db()
    assert item.state == "rejected"
    assert "Customers only." in Notice.objects.get(user=applicant, kind="rejected").text
    assert Activity.objects.filter(verb="membership.refused").exists()


def test_join_item_resolves_when_handled_elsewhere(
    gated, make_user, django_capture_on_commit_callbacks
):
    community, moderator = gated
    accepted, refused, withdrawn = make_user(), make_user(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        for user in (accepted, refused, withdrawn):
            community_actions.join(user, community)
    assert QueueItem.objects.filter(kind="join", state="open").count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        community_actions.approve(moderator, community, accepted)
        community_actions.refuse(moderator, community, refused)
        community_actions.leave(withdrawn, community)
    states = dict(QueueItem.objects.values_list("subject__username", "state"))
    assert states == {
        accepted.username: "approved",
        refused.username: "rejected",
        withdrawn.username: "rejected",
    }
    assert QueueItem.objects.get(subject=accepted).resolved_by == moderator


# --- API ------------------------------------------------------------------------------------


def test_api_queue_and_decisions(client, world, flagged, make_community, make_user, add_member):
    auth = bearer(world.moderator)
    response, body = call(client, "get", "/communities/club/queue", auth)
    assert response.status_code == 200
    [item] = body["items"]
    for key in (
        "id",
        "kind",
        "state",
        "reasons",
        "weight",
        "created_at",
        "claimed_by",
        "claimed_until",
        "thread",
        "post",
        "subject",
        "excerpt",
    ):
        assert key in item
    assert item["excerpt"] == "Buy cheap watches now" and item["subject"] == "author"
    assert item["flags"] == [{"reason": "spam", "note": "", "weight": 1.0}]
    response, body = call(client, "post", f"/queue/{flagged.pk}/claim", auth)
    assert response.status_code == 200 and body["claimed_by"] == "mod"
    other = make_user()
    add_member(world.club, other, role="moderator")
    response, body = call(client, "post", f"/queue/{flagged.pk}/claim", bearer(other))
    assert response.status_code == 409 and body["code"] == "claimed"
    assert "mod is handling this item" in body["detail"]
    response, body = call(client, "post", f"/queue/{flagged.pk}/reject", auth, {"reason": ""})
    assert response.status_code == 422
    response, body = call(client, "post", f"/queue/{flagged.pk}/reject", auth, {"reason": "Spam."})
    assert response.status_code == 200 and body["state"] == "rejected"
    response, body = call(client, "post", f"/queue/{flagged.pk}/approve", auth)
    assert response.status_code == 409 and body["code"] == "resolved"
    response, body = call(client, "get", "/communities/club/queue", auth)
    assert body["items"] == []


def test_api_scope(client, world, flagged, make_community, make_user, add_member):
    # A member who can see the community: 403; someone who cannot see it: 404.
    response, body = call(client, "get", "/communities/club/queue", bearer(world.flaggers[0]))
    assert response.status_code == 403
    response, body = call(client, "post", f"/queue/{flagged.pk}/claim", bearer(world.flaggers[0]))
    assert response.status_code == 403
    secret = make_community("secret", visibility="hidden", join_policy="invite")
    mod = make_user()
    add_member(secret, mod, role="moderator")
    outsider = bearer(world.flaggers[1])
    response, missing = call(client, "get", "/communities/nope/queue", outsider)
    response, body = call(client, "get", "/communities/secret/queue", outsider)
    assert response.status_code == 404 and body == missing
    secret_thread = forum_actions.create_thread(mod, secret, kind="discussion", title="S", body="s")
    member = make_user()
    add_member(secret, member)
    flags.flag_thread(member, secret_thread, reason="spam")
    secret_item = QueueItem.objects.get(thread=secret_thread)
    response, body = call(client, "post", f"/queue/{secret_item.pk}/claim", outsider)
    assert response.status_code == 404
    response, missing_item = call(client, "post", "/queue/999999/claim", outsider)
    assert response.status_code == 404 and body == missing_item
    # A moderator of the hidden community acting in the club: 403 (they can see the club).
    response, body = call(client, "post", f"/queue/{flagged.pk}/claim", bearer(mod))
    assert response.status_code == 403

"""Flags: who may flag what, once; their weight; hiding on weight; ledger and events."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community import actions as community_actions
from community.errors import Conflict, RateLimited
from community.models import Activity
from forums import actions as forum_actions
from forums.models import Status
from forums.moderation.models import Notice
from forums.moderation.queue import actions, flags
from forums.moderation.queue.models import Flag, QueueItem
from tests.moderation.queue_helpers import bearer, call, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_flag_post_records_enqueues_and_publishes(world, capture_events):
    flagger = world.flaggers[0]
    with capture_events("moderation:club") as received:
        flag = flags.flag_post(flagger, world.post, reason="spam")
    assert (flag.reason, flag.weight, flag.outcome, flag.subject_id) == (
        "spam",
        1.0,
        "open",
        world.author.pk,
    )
    item = QueueItem.objects.get(post=world.post, state="open")
    assert (item.kind, item.reasons, item.weight, item.subject_id) == (
        "flagged",
        ["spam"],
        1.0,
        world.author.pk,
    )
    entry = Activity.objects.get(verb="flag.created")
    assert entry.actor == flagger and entry.target_user == world.author
    assert entry.object_id == flag.pk and entry.community == world.club
    assert entry.data == {
        "thread": world.thread.pk,
        "post": world.post.pk,
        "reason": "spam",
        "weight": 1.0,
    }
    events = [(m["event"], m["data"]) for m in received]
    assert [name for name, _data in events] == ["queue.changed", "flag.created"]
    assert events[1][1] == {
        "id": flag.pk,
        "item": item.pk,
        "thread": world.thread.pk,
        "post": world.post.pk,
        "reason": "spam",
        "weight": 1.0,
    }
    assert events[0][1]["id"] == item.pk and events[0][1]["kind"] == "flagged"


def test_more_flags_add_to_the_one_open_item(world):
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    flags.flag_post(world.flaggers[1], world.post, reason="abuse")
    [item] = QueueItem.objects.filter(post=world.post)
    assert item.reasons == ["spam", "abuse"] and item.weight == 2.0


def test_thread_flag_is_its_own_item(world):
    flags.flag_thread(world.flaggers[0], world.thread, reason="off_topic")
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    assert QueueItem.objects.filter(thread=world.thread, post__isnull=True).count() == 1
    assert QueueItem.objects.filter(post=world.post).count() == 1


def test_refusals(world, make_user, make_community, add_member):
    # Twice.
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    with pytest.raises(Conflict) as refused:
        flags.flag_post(world.flaggers[0], world.post, reason="abuse")
    assert refused.value.code == "already_flagged"
    flags.flag_thread(world.flaggers[0], world.thread, reason="spam")
    with pytest.raises(Conflict):
        flags.flag_thread(world.flaggers[0], world.thread, reason="spam")
    # One's own content.
    with pytest.raises(PermissionDenied) as refused:
        flags.flag_post(world.author, world.post, reason="spam")
    assert refused.value.code == "own_content"
    with pytest.raises(PermissionDenied):
        flags.flag_thread(world.author, world.thread, reason="spam")
    # Not a member (reads a public community, does not take part).
    with pytest.raises(PermissionDenied) as refused:
        flags.flag_post(make_user(), world.post, reason="spam")
    assert refused.value.code == "not_a_member"
    # "other" needs a note; unknown reasons are refused.
    with pytest.raises(ValidationError) as refused:
        flags.flag_post(world.flaggers[1], world.post, reason="other")
    assert "note" in refused.value.message_dict
    with pytest.raises(ValidationError):
        flags.flag_post(world.flaggers[1], world.post, reason="ugly")
    assert Flag.objects.count() == 2


def test_silenced_member_cannot_flag(world, staff):
    from datetime import timedelta

    from django.utils import timezone

    from community.models import Membership

    Membership.objects.filter(user=world.flaggers[0], community=world.club).update(
        silenced_until=timezone.now() + timedelta(days=1)
    )
    world.club.__dict__.pop("_membership_cache", None)
    with pytest.raises(PermissionDenied) as refused:
        flags.flag_post(world.flaggers[0], world.post, reason="spam")
    assert refused.value.code == "silenced"


def test_deleted_post_cannot_be_flagged(world):
    forum_actions.delete_post(world.author, world.post)
    world.post.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        flags.flag_post(world.flaggers[0], world.post, reason="spam")
    assert refused.value.code == "not_flaggable"


def test_flagging_is_rate_limited(world, settings):
    settings.RATE_LIMITS = {"flag": ["2/m"], "post": ["100/m"]}
    flagger = world.flaggers[0]
    posts = [forum_actions.reply(world.author, world.thread, body=f"Post {i}") for i in range(3)]
    flags.flag_post(flagger, posts[0], reason="spam")
    flags.flag_post(flagger, posts[1], reason="spam")
    with pytest.raises(RateLimited) as refused:
        flags.flag_post(flagger, posts[2], reason="spam")
    assert refused.value.retry_after >= 1


def test_refused_flags_spend_no_quota(world, settings):
    settings.RATE_LIMITS = {"flag": ["2/m"], "post": ["100/m"]}
    flagger = world.flaggers[0]
    posts = [forum_actions.reply(world.author, world.thread, body=f"Post {i}") for i in range(2)]
    flags.flag_post(flagger, posts[0], reason="spam")
    for _attempt in range(3):  # a retried duplicate: a 409 each time, never a 429
        with pytest.raises(Conflict) as refused:
            flags.flag_post(flagger, posts[0], reason="spam")
        assert refused.value.code == "already_flagged"
    flags.flag_thread(flagger, world.thread, reason="abuse")
    with pytest.raises(Conflict) as refused:
        flags.flag_thread(flagger, world.thread, reason="abuse")
    assert refused.value.code == "already_flagged"
    forum_actions.delete_post(world.author, posts[1])
    posts[1].refresh_from_db()
    with pytest.raises(Conflict) as refused:
        flags.flag_post(flagger, posts[1], reason="spam")
    assert refused.value.code == "not_flaggable"
    with pytest.raises(RateLimited):  # two flags counted: the third real one is over
        flags.flag_post(flagger, world.post, reason="spam")


@pytest.mark.parametrize(
    ("upheld", "dismissed", "weight"),
    [(0, 0, 1.0), (1, 0, 1.667), (3, 0, 2.2), (50, 0, 2.923), (0, 1, 0.833), (0, 50, 0.519)],
)
def test_weight_formula(upheld, dismissed, weight):
    assert flags.weight_for(upheld, dismissed) == weight


def test_weight_is_bounded():
    assert flags.weight_for(10_000, 0) <= 3.0
    assert flags.weight_for(0, 10_000) >= 0.5


def test_weight_grows_with_upheld_flags_and_falls_with_dismissed(world, staff, settings):
    settings.RATE_LIMITS = {"post": ["1000/m"], "flag": ["1000/m"]}
    good, bad = world.flaggers[0], world.flaggers[1]
    for i in range(3):
        post = forum_actions.reply(world.author, world.thread, body=f"Spam {i}")
        flags.flag_post(good, post, reason="spam")
        actions.reject(world.moderator, QueueItem.objects.get(post=post), reason="Spam.")
        fine = forum_actions.reply(world.author, world.thread, body=f"Fine {i}")
        flags.flag_post(bad, fine, reason="abuse")
        actions.approve(world.moderator, QueueItem.objects.get(post=fine))
    assert flags.flagger_weight(good, world.club) == flags.weight_for(3, 0) == 2.2
    assert flags.flagger_weight(bad, world.club) == flags.weight_for(0, 3) == 0.7
    # Per community: elsewhere they start again at 1.
    other = community_actions.create_community(
        staff,
        slug="other",
        name="Other",
        kind="discussion",
        visibility="public",
        join_policy="open",
    )
    assert flags.flagger_weight(good, other) == 1.0
    assert set(Flag.objects.values_list("outcome", flat=True)) == {"dismissed", "upheld"}


def test_weight_reaching_threshold_hides_post_pending_review(world, capture_events):
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    flags.flag_post(world.flaggers[1], world.post, reason="spam")
    world.post.refresh_from_db()
    assert world.post.status == Status.PUBLISHED
    with capture_events("moderation:club", f"thread:{world.thread.pk}") as received:
        flags.flag_post(world.flaggers[2], world.post, reason="abuse")
    world.post.refresh_from_db()
    assert world.post.status == Status.HIDDEN and world.post.moderated_by is None
    item = QueueItem.objects.get(post=world.post, state="open")
    assert item.auto_hidden and item.weight == 3.0
    hidden = Activity.objects.get(verb="post.hidden")
    assert hidden.actor is None and hidden.data["by"] == "flags"
    assert Notice.objects.filter(user=world.author, kind="hidden").exists()
    assert "post.hidden" in [m["event"] for m in received]
    # Approving dismisses the flags and restores the post.
    actions.approve(world.moderator, item, reason="Not spam.")
    world.post.refresh_from_db()
    assert world.post.status == Status.PUBLISHED
    assert set(Flag.objects.values_list("outcome", flat=True)) == {"dismissed"}


def test_threshold_is_per_community(world, staff):
    actions.configure(staff, world.club, hide_threshold=1.0)
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    world.post.refresh_from_db()
    assert world.post.status == Status.HIDDEN


def test_thread_flags_past_threshold_hide_its_opening_post(world, staff):
    actions.configure(staff, world.club, hide_threshold=2.0)
    flags.flag_thread(world.flaggers[0], world.thread, reason="abuse")
    flags.flag_thread(world.flaggers[1], world.thread, reason="abuse")
    opening = world.thread.posts.get(number=1)
    assert opening.status == Status.HIDDEN
    assert QueueItem.objects.get(thread=world.thread, post__isnull=True).auto_hidden


def test_configure_records_before_and_after(world, staff):
    actions.configure(staff, world.club, hide_threshold=4.5, claim_minutes=20)
    entry = Activity.objects.get(verb="queue.configured")
    assert entry.data == {
        "before": {"hide_threshold": 3.0, "claim_minutes": 10},
        "after": {"hide_threshold": 4.5, "claim_minutes": 20},
    }
    with pytest.raises(PermissionDenied):
        actions.configure(world.moderator, world.club, hide_threshold=1)
    with pytest.raises(ValidationError):
        actions.configure(staff, world.club, claim_minutes=0)


# --- API -------------------------------------------------------------------------------


def test_api_flags(client, world, make_community, make_user, add_member):
    auth = bearer(world.flaggers[0])
    response, body = call(
        client, "post", f"/posts/{world.post.pk}/flags", auth, {"reason": "spam", "note": "ads"}
    )
    assert response.status_code == 201, body
    assert body["reason"] == "spam" and body["note"] == "ads" and body["post"] == world.post.pk
    assert body["weight"] == 1.0 and "id" in body
    response, body = call(client, "post", f"/posts/{world.post.pk}/flags", auth, {"reason": "spam"})
    assert response.status_code == 409 and body["code"] == "already_flagged"
    response, body = call(
        client, "post", f"/posts/{world.post.pk}/flags", bearer(world.author), {"reason": "spam"}
    )
    assert response.status_code == 403 and body["code"] == "own_content"
    response, body = call(
        client, "post", f"/threads/{world.thread.pk}/flags", auth, {"reason": "other"}
    )
    assert response.status_code == 422
    response, body = call(
        client, "post", f"/threads/{world.thread.pk}/flags", auth, {"reason": "nope"}
    )
    assert response.status_code == 422
    response, body = call(
        client,
        "post",
        f"/threads/{world.thread.pk}/flags",
        auth,
        {"reason": "other", "note": "Wrong forum"},
    )
    assert response.status_code == 201 and body["post"] is None
    # A hidden community's content: as missing, to an outsider.
    secret = make_community("secret", visibility="hidden", join_policy="invite")
    insider = make_user()
    add_member(secret, insider)
    thread = forum_actions.create_thread(insider, secret, kind="discussion", title="S", body="s")
    response, body = call(client, "post", f"/threads/{thread.pk}/flags", auth, {"reason": "spam"})
    assert response.status_code == 404
    response, body = call(client, "post", "/posts/999999/flags", auth, {"reason": "spam"})
    assert response.status_code == 404


def test_rolled_back_flag_emits_nothing(world, capture_events, monkeypatch):
    from forums.moderation.queue import actions as module

    def boom(*args, **kwargs):
        raise RuntimeError("after the flag")

    monkeypatch.setattr(module.activity, "record", boom)
    with capture_events("moderation:club") as received, pytest.raises(RuntimeError):
        flags.flag_post(world.flaggers[0], world.post, reason="spam")
    assert received == [] and not Flag.objects.exists() and not QueueItem.objects.exists()

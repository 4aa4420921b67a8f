"""Content moderation through the actions: each action, its ledger entry, its events,
the author's notice, and the scope refusals (a moderator of one community acting in
another, moving into a community not moderated, merging into itself)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forums import actions, screening
from forums.models import Post, PostRevision, Status, Thread
from forums.moderation.models import Notice
from realtime import publish
from tests.moderation.content_world import entry, frames, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def holding():
    """A screen that holds every message of a member named "newbie" (registered for the test)."""

    def hold(draft):
        if draft.actor.username == "newbie":
            draft.hold.append("first posts")

    screening.register(hold)
    yield
    screening._screens.remove(hold)


# --- Posts ---------------------------------------------------------------------------


def test_hide_post_records_tells_and_publishes_a_placeholder(world, capture_events):
    thread, post = world["thread"], world["reply"]
    with capture_events(f"thread:{thread.pk}", f"me:{post.author_id}") as events:
        actions.hide_post(world["mod"], post, reason="Rude")
    post.refresh_from_db()
    assert post.status == Status.HIDDEN and post.moderated_by == world["mod"]
    logged = entry("post.hidden")
    assert logged.actor == world["mod"] and logged.target_user_id == post.author_id
    assert logged.data == {
        "thread": thread.pk,
        "reason": "Rude",
        "before": "published",
        "after": "hidden",
        "by": "moderator",
    }
    [hidden] = frames(events, "post.hidden")
    assert hidden["data"]["id"] == post.pk and hidden["data"]["html"] == ""
    assert hidden["data"]["body"] == "" and hidden["data"]["hidden"] is True
    [notice] = frames(events, "moderation.notice")
    assert notice["data"]["kind"] == "hidden" and notice["data"]["text"] == "Rude"
    assert Notice.objects.get(user=post.author, kind="hidden").post_id == post.pk
    # A replay shows what the page shows: no text left in the stored post.created.
    rows, _last = publish.replay(f"thread:{thread.pk}", 0)
    stored = [r.data for r in rows if r.event == "post.created" and r.data["id"] == post.pk]
    assert stored and all(d["html"] == "" and d["body"] == "" for d in stored)
    assert "A reply to hide" not in str([r.data for r in rows])


def test_hiding_again_does_nothing(world):
    actions.hide_post(world["mod"], world["reply"], reason="Rude")
    actions.hide_post(world["mod"], world["reply"], reason="Rude again")
    assert Post.objects.get(pk=world["reply"].pk).status_reason == "Rude"
    from community.models import Activity

    assert Activity.objects.filter(verb="post.hidden").count() == 1


def test_restore_post_brings_the_text_back(world, capture_events):
    post = world["reply"]
    actions.hide_post(world["mod"], post, reason="Rude")
    with capture_events(f"thread:{post.thread_id}") as events:
        actions.restore_post(world["mod"], post, reason="Misread")
    post.refresh_from_db()
    assert post.status == Status.PUBLISHED
    logged = entry("post.restored")
    assert logged.data["before"] == "hidden" and logged.data["after"] == "published"
    assert logged.data["reason"] == "Misread"
    [restored] = frames(events, "post.restored")
    assert "A reply to hide" in restored["data"]["html"]
    rows, _last = publish.replay(f"thread:{post.thread_id}", 0)
    assert any("A reply to hide" in (r.data.get("html") or "") for r in rows)
    assert Notice.objects.filter(user=post.author, kind="restored").exists()


def test_flags_hide_a_post_without_a_moderator(world):
    actions.hide_post(None, world["reply"], reason="", by="flags")
    logged = entry("post.hidden")
    assert logged.actor is None and logged.data["by"] == "flags"
    assert Notice.objects.get(user=world["reply"].author, kind="hidden").text


def test_hiding_needs_a_reason_and_a_moderator_of_that_community(world):
    with pytest.raises(ValidationError):
        actions.hide_post(world["mod"], world["reply"], reason="  ")
    with pytest.raises(PermissionDenied):
        actions.hide_post(world["member"], world["reply"], reason="Mine now")
    # A moderator of another community (other) acting in club.
    with pytest.raises(PermissionDenied):
        actions.hide_post(world["othermod"], world["reply"], reason="Not yours")
    with pytest.raises(PermissionDenied):
        actions.hide_thread(world["othermod"], world["thread"], reason="Not yours")
    assert Post.objects.get(pk=world["reply"].pk).status == Status.PUBLISHED


# --- Held messages ---------------------------------------------------------------------


def test_approve_a_held_reply_publishes_it(world, holding, make_user, add_member, capture_events):
    newbie = make_user(username="newbie")
    add_member(world["club"], newbie)
    held = actions.reply(newbie, world["thread"], body="Held words")
    assert held.status == Status.HELD
    with capture_events(f"thread:{world['thread'].pk}") as events:
        actions.approve_held(world["mod"], held, reason="Fine")
    held.refresh_from_db()
    assert held.status == Status.PUBLISHED
    assert [e["data"]["id"] for e in frames(events, "post.created")] == [held.pk]
    logged = entry("post.approved")
    assert logged.data["before"] == "held" and logged.data["after"] == "published"
    assert entry("post.created", object_id=held.pk).actor == newbie
    assert Notice.objects.filter(user=newbie, kind="approved").exists()
    with pytest.raises(ValidationError):
        actions.approve_held(world["mod"], held)


def test_approve_and_reject_held_threads(world, holding, make_user, add_member, capture_events):
    newbie = make_user(username="newbie")
    add_member(world["club"], newbie)
    first = actions.create_thread(newbie, world["club"], kind="discussion", title="A", body="a")
    second = actions.create_thread(newbie, world["club"], kind="discussion", title="B", body="b")
    assert first.status == second.status == Status.HELD
    with capture_events("community:club") as events:
        actions.approve_held(world["mod"], first)
    assert Thread.objects.get(pk=first.pk).status == Status.PUBLISHED
    assert first.posts.get().status == Status.PUBLISHED
    assert [e["data"]["id"] for e in frames(events, "thread.created")] == [first.pk]
    assert entry("thread.approved").object_id == first.pk
    with pytest.raises(ValidationError):
        actions.reject_held(world["mod"], second, reason="")
    with capture_events("community:club") as events:
        actions.reject_held(world["mod"], second, reason="Spam")
    assert events == []
    second.refresh_from_db()
    assert second.status == Status.HIDDEN and second.status_reason == "Spam"
    logged = entry("thread.rejected")
    assert logged.data == {"reason": "Spam", "before": "held", "after": "hidden"}
    assert Notice.objects.get(user=newbie, kind="rejected").text == "Spam"


def test_reject_a_held_reply(world, holding, make_user, add_member):
    newbie = make_user(username="newbie")
    add_member(world["club"], newbie)
    held = actions.reply(newbie, world["thread"], body="Held words")
    with pytest.raises(PermissionDenied):
        actions.reject_held(world["othermod"], held, reason="Not mine to judge")
    actions.reject_held(world["mod"], held, reason="Off-topic")
    assert Post.objects.get(pk=held.pk).status == Status.HIDDEN
    assert entry("post.rejected").data["after"] == "hidden"


# --- Threads ---------------------------------------------------------------------------


def test_hide_and_unhide_a_thread(world, capture_events):
    thread = world["thread"]
    with capture_events("community:club") as events:
        actions.hide_thread(world["mod"], thread, reason="Off-topic")
    assert [e["data"]["id"] for e in frames(events, "thread.removed")] == [thread.pk]
    assert Thread.objects.get(pk=thread.pk).status == Status.HIDDEN
    assert entry("thread.hidden").data == {
        "reason": "Off-topic",
        "before": "published",
        "after": "hidden",
    }
    assert Notice.objects.get(user=world["member"], kind="hidden").thread_id == thread.pk
    with pytest.raises(ValidationError):
        actions.hide_thread(world["mod"], thread, reason="Again")
    with capture_events("community:club") as events:
        actions.unhide_thread(world["mod"], thread)
    assert frames(events, "thread.updated")
    assert Thread.objects.get(pk=thread.pk).status == Status.PUBLISHED
    assert entry("thread.unhidden").data["after"] == "published"


def test_close_and_reopen(world):
    thread = actions.close_thread(world["mod"], world["thread"], reason="Answered")
    assert thread.state == Thread.State.CLOSED and thread.is_locked
    assert entry("thread.closed").data == {
        "reason": "Answered",
        "before": "open",
        "after": "closed",
    }
    with pytest.raises(PermissionDenied):
        actions.reply(world["reader"], thread, body="One more")
    with pytest.raises(ValidationError):
        actions.close_thread(world["mod"], thread)
    thread = actions.reopen_thread(world["mod"], thread)
    assert thread.state == Thread.State.OPEN
    assert entry("thread.reopened").data["after"] == "open"
    actions.reply(world["reader"], thread, body="One more")


def test_pin_and_lock_take_a_reason(world):
    actions.set_reasoned(world["mod"], world["thread"], "pin", reason="FAQ")
    actions.set_reasoned(world["mod"], world["thread"], "lock", reason="Heated")
    assert entry("thread.pinned").data == {"reason": "FAQ"}
    assert entry("thread.locked").data == {"reason": "Heated"}


def test_move_a_thread(world, client, capture_events):
    thread = world["thread"]
    old_url = thread.get_absolute_url()
    with capture_events("community:club", "community:other", f"thread:{thread.pk}") as events:
        actions.move_thread(world["mod"], thread, to=world["other"], reason="Wrong place")
    thread.refresh_from_db()
    assert thread.community == world["other"]
    logged = entry("thread.moved")
    assert logged.data == {"reason": "Wrong place", "before": "club", "after": "other"}
    assert logged.community == world["other"]
    removed = frames(events, "thread.removed")
    assert removed and removed[0]["stream"] == "community:club"
    created = frames(events, "thread.created")
    assert created and created[0]["stream"] == "community:other"
    changed = frames(events, "thread.changed")
    assert changed[0]["data"]["url"] == thread.get_absolute_url()
    # A socket re-check goes to the old community's audience.
    client.force_login(world["reader"])
    response = client.get(old_url)
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()


def test_moving_needs_the_right_in_both_communities(world):
    # othermod moderates "other" but not "club": cannot move other's thread into club.
    theirs = actions.create_thread(
        world["member"], world["other"], kind="discussion", title="Elsewhere", body="x"
    )
    with pytest.raises(PermissionDenied):
        actions.move_thread(world["othermod"], theirs, to=world["club"])
    with pytest.raises(PermissionDenied):
        actions.move_thread(world["othermod"], world["thread"], to=world["other"])
    with pytest.raises(ValidationError):
        actions.move_thread(world["mod"], world["thread"], to=world["club"])
    assert Thread.objects.get(pk=theirs.pk).community == world["other"]


def test_merge_appends_posts_in_order(world, client, capture_events):
    into = actions.create_thread(
        world["reader"], world["club"], kind="discussion", title="T", body="t"
    )
    actions.reply(world["member"], into, body="into reply")
    source = world["thread"]
    source_ids = list(source.posts.order_by("number").values_list("pk", flat=True))
    with capture_events(f"thread:{source.pk}", f"thread:{into.pk}", "community:club") as events:
        actions.merge_thread(world["mod"], source, into=into, reason="Duplicate")
    into.refresh_from_db()
    assert into.post_count == 4
    numbers = dict(Post.objects.filter(pk__in=source_ids).values_list("pk", "number"))
    assert [numbers[pk] for pk in source_ids] == [3, 4]
    assert set(Post.objects.filter(pk__in=source_ids).values_list("thread", flat=True)) == {into.pk}
    source.refresh_from_db()
    assert source.merged_into == into and source.state == "closed" and source.status == "hidden"
    [merged] = frames(events, "thread.merged")
    assert merged["data"] == {"id": source.pk, "into": into.pk, "url": into.get_absolute_url()}
    assert [e["data"]["id"] for e in frames(events, "post.created")] == source_ids
    assert [e["data"]["id"] for e in frames(events, "thread.removed")] == [source.pk]
    logged = entry("thread.merged")
    assert logged.data["into"] == into.pk and logged.data["posts"] == 2
    assert logged.data["reason"] == "Duplicate"
    assert logged.data["before"] == {"status": "published", "state": "open"}
    client.force_login(world["reader"])
    response = client.get(source.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == into.get_absolute_url()


def test_merge_refusals(world):
    thread = world["thread"]
    with pytest.raises(ValidationError):
        actions.merge_thread(world["mod"], thread, into=thread)
    theirs = actions.create_thread(
        world["member"], world["other"], kind="discussion", title="Elsewhere", body="x"
    )
    # othermod does not moderate club: neither way.
    with pytest.raises(PermissionDenied):
        actions.merge_thread(world["othermod"], theirs, into=thread)
    with pytest.raises(PermissionDenied):
        actions.merge_thread(world["othermod"], thread, into=theirs)
    assert Thread.objects.get(pk=thread.pk).merged_into is None


def test_split_moves_chosen_replies(world, capture_events):
    thread = world["thread"]
    second = actions.reply(world["member"], thread, body="second")
    third = actions.reply(world["reader"], thread, body="third")
    with pytest.raises(ValidationError):
        actions.split_thread(world["mod"], thread, posts=[thread.posts.get(number=1)], title="X")
    with pytest.raises(PermissionDenied):
        actions.split_thread(world["othermod"], thread, posts=[second], title="X")
    with capture_events(f"thread:{thread.pk}", "community:club") as events:
        new = actions.split_thread(
            world["mod"], thread, posts=[third, world["reply"]], title="Tangent", reason="Aside"
        )
    assert new.community == thread.community and new.title == "Tangent"
    moved = list(new.posts.order_by("number").values_list("pk", "number"))
    assert moved == [(world["reply"].pk, 1), (third.pk, 2)]
    assert new.author == world["reply"].author and new.post_count == 2
    assert list(thread.posts.values_list("pk", flat=True).order_by("number")) == [
        thread.posts.get(number=1).pk,
        second.pk,
    ]
    assert sorted(e["data"]["id"] for e in frames(events, "post.moved")) == sorted(
        [third.pk, world["reply"].pk]
    )
    assert [e["data"]["id"] for e in frames(events, "thread.created")] == [new.pk]
    logged = entry("thread.split")
    assert logged.data == {
        "into": new.pk,
        "posts": sorted([third.pk, world["reply"].pk]),
        "reason": "Aside",
    }


def test_a_moderators_edit_is_named_and_told(world, client):
    post = world["reply"]
    actions.edit_post(world["mod"], post, body="Tidied by a moderator")
    assert PostRevision.objects.get(post=post).editor == world["mod"]
    notice = Notice.objects.get(user=post.author, kind="edited")
    assert notice.post_id == post.pk and notice.actor == world["mod"]
    client.force_login(post.author)
    page = client.get(f"/posts/{post.pk}/history/").content.decode()
    assert "data-edited-by" in page and "edited by" in page
    # The author's own edit tells nobody.
    actions.edit_post(post.author, post, body="My own words again")
    assert Notice.objects.filter(user=post.author, kind="edited").count() == 1

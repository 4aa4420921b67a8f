"""What moderation must not leak: held or hidden threads' titles on community streams
(move, split), a merge's target to those who may not see it, a refused held reply to
anyone but its author and moderators, a hidden post's reactions; and what merge and split
refuse (a held source, a held or hidden opening post)."""

import pytest
from django.core.exceptions import ValidationError

from forums import actions, screening
from forums.models import Post, Status, Thread
from tests.moderation.content_world import frames, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def newbie(world, make_user, add_member):
    """A member of club whose every message is held (a screen registered for the test)."""
    user = make_user(username="newbie")
    add_member(world["club"], user)

    def hold(draft):
        if draft.actor.username == "newbie":
            draft.hold.append("first posts")

    screening.register(hold)
    yield user
    screening._screens.remove(hold)


def api_posts(client, thread):
    return {p["id"]: p for p in client.get(f"/api/v1/threads/{thread.pk}/posts").json()["items"]}


def test_moving_a_hidden_thread_tells_no_list(world, capture_events):
    thread = world["thread"]
    actions.hide_thread(world["mod"], thread, reason="Spam")
    with capture_events("community:club", "community:other", f"thread:{thread.pk}") as events:
        actions.move_thread(world["mod"], thread, to=world["other"])
    assert not frames(events, "thread.created") and not frames(events, "thread.removed")
    assert [e["data"]["id"] for e in frames(events, "thread.changed")] == [thread.pk]
    assert Thread.objects.get(pk=thread.pk).community == world["other"]


def test_moving_a_held_thread_tells_no_list(world, newbie, capture_events):
    held = actions.create_thread(
        newbie, world["club"], kind="discussion", title="Pending", body="x"
    )
    with capture_events("community:club", "community:other") as events:
        actions.move_thread(world["mod"], held, to=world["other"])
    assert not [e for e in events if e.get("event", "").startswith("thread.")]


def test_moving_a_published_thread_updates_both_lists(world, capture_events):
    thread = world["thread"]
    with capture_events("community:club", "community:other") as events:
        actions.move_thread(world["mod"], thread, to=world["other"])
    assert [e["data"]["id"] for e in frames(events, "thread.removed")] == [thread.pk]
    assert [e["data"]["id"] for e in frames(events, "thread.created")] == [thread.pk]


def test_merge_into_a_private_community_redirects_only_its_readers(world, client, capture_events):
    into = actions.create_thread(
        world["mod"], world["secret"], kind="discussion", title="Secret home", body="s"
    )
    source = world["thread"]
    with capture_events(f"thread:{source.pk}") as events:
        actions.merge_thread(world["mod"], source, into=into)
    # Those on the source's page reload it: neither the target's id nor its address.
    [merged] = frames(events, "thread.merged")
    assert merged["data"] == {"id": source.pk, "into": None, "url": source.get_absolute_url()}
    url = source.get_absolute_url()
    client.force_login(world["reader"])
    response = client.get(url)
    assert response.status_code == 404 and "secret" not in response.content.decode()
    client.logout()
    assert client.get(url).status_code == 404


def test_merge_across_communities_redirects_who_may_read_both(world, client):
    into = actions.create_thread(
        world["othermod"], world["other"], kind="discussion", title="Over there", body="o"
    )
    source = world["thread"]
    actions.merge_thread(world["mod"], source, into=into)
    client.force_login(world["reader"])  # reads club and other
    response = client.get(source.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == into.get_absolute_url()


def test_a_refused_held_reply_is_shown_to_no_one_else(world, newbie, client):
    thread = world["thread"]
    held = actions.reply(newbie, thread, body="Quokka never published")
    actions.reject_held(world["mod"], held, reason="Off-topic")
    held = Post.objects.get(pk=held.pk)
    assert held.status == Status.HIDDEN and held.is_deleted
    url = thread.get_absolute_url()
    for name in ("reader", "outsider"):
        client.force_login(world[name])
        page = client.get(url).content.decode()
        assert "Quokka" not in page and "post-placeholder" not in page
        assert held.pk not in api_posts(client, thread)
        # Its own address answers as a missing post.
        assert client.delete(f"/api/v1/posts/{held.pk}").status_code == 404
    client.logout()
    assert "post-placeholder" not in client.get(url).content.decode()
    assert held.pk not in api_posts(client, thread)
    # Its author sees it, removed (their notice says why); moderators too.
    client.force_login(newbie)
    item = api_posts(client, thread)[held.pk]
    assert item["deleted"] and item["hidden"] and item["body"] == ""
    assert "Quokka" not in client.get(url).content.decode()
    client.force_login(world["mod"])
    assert held.pk in api_posts(client, thread)
    # Never published: there is nothing to restore.
    with pytest.raises(ValidationError):
        actions.restore_post(world["mod"], held)


def test_a_hidden_published_post_stays_a_placeholder(world, client):
    post = world["reply"]
    actions.hide_post(world["mod"], post, reason="Rude")
    client.force_login(world["outsider"])
    assert "post-placeholder" in client.get(world["thread"].get_absolute_url()).content.decode()
    assert api_posts(client, world["thread"])[post.pk]["hidden"]


def test_split_out_of_a_hidden_thread_stays_hidden(world, capture_events):
    thread = world["thread"]
    second = actions.reply(world["member"], thread, body="second")
    actions.hide_thread(world["mod"], thread, reason="Spam")
    with capture_events("community:club", f"thread:{thread.pk}") as events:
        new = actions.split_thread(world["mod"], thread, posts=[second], title="Tangent")
    assert new.status == Status.HIDDEN and new.status_reason == "Spam"
    assert not frames(events, "thread.created") and not frames(events, "thread.updated")
    # Numbers stay: the source's post_count (its last number) too.
    assert Thread.objects.get(pk=thread.pk).post_count == 3


def test_split_refuses_a_held_or_hidden_opening_post(world, newbie):
    thread = world["thread"]
    opener = actions.reply(world["member"], thread, body="opener")
    held = actions.reply(newbie, thread, body="held")
    with pytest.raises(ValidationError) as refused:
        actions.split_thread(world["mod"], thread, posts=[held], title="X")
    assert "cannot be held or hidden" in str(refused.value)
    actions.hide_post(world["mod"], world["reply"], reason="Rude")
    with pytest.raises(ValidationError):
        actions.split_thread(world["mod"], thread, posts=[world["reply"], held], title="X")
    # A held reply after a published opening post keeps its status.
    new = actions.split_thread(world["mod"], thread, posts=[held, opener], title="Y")
    assert new.status == Status.PUBLISHED
    statuses = dict(new.posts.values_list("pk", "status"))
    assert statuses == {opener.pk: Status.PUBLISHED, held.pk: Status.HELD}


def test_merge_refuses_a_held_source(world, newbie):
    held = actions.create_thread(
        newbie, world["club"], kind="discussion", title="Pending", body="x"
    )
    with pytest.raises(ValidationError) as refused:
        actions.merge_thread(world["mod"], held, into=world["thread"])
    assert "held for review" in str(refused.value)
    assert Thread.objects.get(pk=held.pk).merged_into is None


def test_merge_keeps_held_replies_held(world, newbie, capture_events):
    source = world["thread"]
    held = actions.reply(newbie, source, body="held")
    into = actions.create_thread(
        world["reader"], world["club"], kind="discussion", title="T", body="t"
    )
    with capture_events(f"thread:{into.pk}") as events:
        actions.merge_thread(world["mod"], source, into=into)
    held = Post.objects.get(pk=held.pk)
    assert held.thread_id == into.pk and held.status == Status.HELD
    assert held.pk not in [e["data"]["id"] for e in frames(events, "post.created")]
    actions.approve_held(world["mod"], held)
    assert Post.objects.get(pk=held.pk).status == Status.PUBLISHED


def test_a_hidden_post_shows_no_reactions_but_to_moderators(world, client):
    post = world["reply"]
    actions.react(world["member"], post, kind="helpful")
    actions.hide_post(world["mod"], post, reason="Rude")
    client.force_login(world["member"])
    assert api_posts(client, world["thread"])[post.pk]["reactions"] == {}
    client.force_login(world["mod"])
    assert api_posts(client, world["thread"])[post.pk]["reactions"] == {"helpful": 1}

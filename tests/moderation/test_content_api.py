"""The moderators' API on threads and posts: each verb, and its refusals (404 for who may
not see, 403 JSON for who sees but does not moderate, 400 for what cannot be done)."""

import pytest

from forums import actions
from forums.models import Post, Status, Thread
from tests.moderation.content_world import entry, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


@pytest.mark.parametrize(
    ("verb", "field", "value", "logged"),
    [
        ("close", "state", "closed", "thread.closed"),
        ("lock", "state", "locked", "thread.locked"),
        ("pin", "pinned", True, "thread.pinned"),
        ("hide", "status", "hidden", "thread.hidden"),
    ],
)
def test_thread_verbs(world, client, verb, field, value, logged):
    thread = world["thread"]
    client.force_login(world["mod"])
    response = post(client, f"/api/v1/threads/{thread.pk}/{verb}", {"reason": "Because"})
    assert response.status_code == 200, response.content
    assert response.json()[field] == value and response.json()["tags"] == []
    assert entry(logged).data["reason"] == "Because"
    undo = {"close": "reopen", "lock": "unlock", "pin": "unpin", "hide": "unhide"}[verb]
    response = post(client, f"/api/v1/threads/{thread.pk}/{undo}")
    assert response.status_code == 200
    assert response.json()["status"] == "published" and response.json()["state"] == "open"


def test_refusals_404_403_400(world, client):
    thread = world["thread"]
    client.force_login(world["member"])
    response = post(client, f"/api/v1/threads/{thread.pk}/hide", {"reason": "x"})
    assert response.status_code == 403 and response.json()["code"]
    client.force_login(world["othermod"])
    assert post(client, f"/api/v1/threads/{thread.pk}/close").status_code == 403
    secret = actions.create_thread(
        world["mod"], world["secret"], kind="discussion", title="Inside", body="x"
    )
    client.force_login(world["outsider"])
    response = post(client, f"/api/v1/threads/{secret.pk}/hide", {"reason": "x"})
    missing = post(client, "/api/v1/threads/999999/hide", {"reason": "x"})
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    client.force_login(world["mod"])
    response = post(client, f"/api/v1/threads/{thread.pk}/merge", {"into": thread.pk})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = post(client, f"/api/v1/threads/{thread.pk}/hide", {"reason": ""})
    assert response.status_code == 400
    response = post(client, f"/api/v1/threads/{thread.pk}/reopen")
    assert response.status_code == 400  # not closed
    assert Thread.objects.get(pk=thread.pk).status == Status.PUBLISHED


def test_move_merge_split(world, client, make_community, add_member):
    thread = world["thread"]
    client.force_login(world["othermod"])
    theirs = actions.create_thread(
        world["othermod"], world["other"], kind="discussion", title="Theirs", body="x"
    )
    # Not a moderator of club: moving into it is refused.
    response = post(client, f"/api/v1/threads/{theirs.pk}/move", {"community": "club"})
    assert response.status_code == 403
    client.force_login(world["mod"])
    response = post(client, f"/api/v1/threads/{thread.pk}/move", {"community": "other"})
    assert response.status_code == 200 and response.json()["community"] == "other"
    response = post(client, f"/api/v1/threads/{thread.pk}/merge", {"into": theirs.pk})
    assert response.status_code == 200 and response.json()["id"] == theirs.pk
    assert Thread.objects.get(pk=thread.pk).merged_into_id == theirs.pk
    replies = list(theirs.posts.filter(number__gt=1).order_by("number"))
    response = post(
        client,
        f"/api/v1/threads/{theirs.pk}/split",
        {"posts": [p.pk for p in replies[1:]], "title": "Split off"},
    )
    assert response.status_code == 201 and response.json()["title"] == "Split off"


def test_post_hide_and_restore(world, client):
    reply = world["reply"]
    client.force_login(world["reader"])
    assert post(client, f"/api/v1/posts/{reply.pk}/hide", {"reason": "x"}).status_code == 403
    client.force_login(world["mod"])
    assert post(client, f"/api/v1/posts/{reply.pk}/hide", {}).status_code in (400, 422)
    response = post(client, f"/api/v1/posts/{reply.pk}/hide", {"reason": "Rude"})
    assert response.status_code == 200
    assert response.json()["status"] == "hidden" and response.json()["body"]
    assert Post.objects.get(pk=reply.pk).status == Status.HIDDEN
    response = post(client, f"/api/v1/posts/{reply.pk}/restore")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert post(client, f"/api/v1/posts/{reply.pk}/restore").status_code == 400

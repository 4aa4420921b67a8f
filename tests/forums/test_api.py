"""The thread and post endpoints of /api/v1/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import actions as community_actions
from forums import actions

API = "/api/v1"

# Row locks and text rules differ on PostgreSQL: these run there too.
pytestmark = pytest.mark.postgres_too


def bearer(user):
    _token, key = community_actions.create_api_token(user, user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def call(client, method, path, auth=None, body=None):
    kwargs = dict(auth or {})
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    response = getattr(client, method)(API + path, **kwargs)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response, response.json()


@pytest.fixture
def forum(make_community, make_user, add_member):
    ideas = make_community("ideas", visibility="public", join_policy="open", kind="ideas")
    club = make_community("club", visibility="hidden", join_policy="invite", kind="club")
    member, other, outsider = make_user(), make_user(), make_user()
    for user in (member, other):
        add_member(ideas, user)
        add_member(club, user)
    return {"ideas": ideas, "club": club, "member": member, "other": other, "outsider": outsider}


@pytest.mark.django_db
def test_thread_and_post_flow(client, forum):
    auth = bearer(forum["member"])
    response, thread = call(
        client,
        "post",
        "/communities/ideas/threads",
        auth,
        {"kind": "question", "title": "Which tyres?", "body": "For *winter*.", "client_id": "q1"},
    )
    assert response.status_code == 201
    for key in ("id", "community", "kind", "title", "author", "state", "created_at"):
        assert key in thread
    assert (
        thread["community"] == "ideas" and thread["author"]["username"] == forum["member"].username
    )
    response, again = call(
        client,
        "post",
        "/communities/ideas/threads",
        auth,
        {"kind": "question", "title": "Which tyres?", "body": "For *winter*.", "client_id": "q1"},
    )
    assert response.status_code == 200 and again["id"] == thread["id"]

    other = bearer(forum["other"])
    path = f"/threads/{thread['id']}/posts"
    response, post = call(client, "post", path, other, {"body": "Studded ones.", "client_id": "r1"})
    assert response.status_code == 201
    for key in ("id", "thread", "author", "body", "html", "created_at"):
        assert key in post
    assert post["html"] == "<p>Studded ones.</p>"
    response, same = call(client, "post", path, other, {"body": "Studded ones.", "client_id": "r1"})
    assert response.status_code == 200 and same["id"] == post["id"]

    response, page = call(client, "get", path)
    assert [p["number"] for p in page["items"]] == [1, 2]
    response, page = call(client, "get", f"{path}?after={page['items'][0]['id']}")
    assert [p["id"] for p in page["items"]] == [post["id"]]

    response, reaction = call(
        client, "post", f"/posts/{post['id']}/reactions", auth, {"kind": "helpful"}
    )
    assert reaction == {
        "post": post["id"],
        "kind": "helpful",
        "reacted": True,
        "reactions": {"helpful": 1},
    }
    response, solved = call(
        client, "post", f"/threads/{thread['id']}/accept", auth, {"post": post["id"]}
    )
    assert response.status_code == 200 and solved["solved"] is True
    assert solved["accepted_post"] == post["id"]

    response, edited = call(client, "patch", f"/posts/{post['id']}", other, {"body": "Studs."})
    assert edited["html"] == "<p>Studs.</p>" and edited["edited_at"]
    response, data = call(client, "patch", f"/posts/{post['id']}", auth, {"body": "mine now"})
    assert response.status_code == 403 and data["code"]
    response, deleted = call(client, "delete", f"/posts/{post['id']}", other)
    assert deleted["deleted"] is True and deleted["body"] == ""


@pytest.mark.django_db
def test_votes(client, forum):
    thread = actions.create_thread(
        forum["member"], forum["ideas"], kind="idea", title="Bell", body="A louder bell."
    )
    _response, data = call(client, "post", f"/threads/{thread.pk}/vote", bearer(forum["other"]))
    assert data == {"thread": thread.pk, "voted": True, "vote_count": 1}
    _response, data = call(client, "post", f"/threads/{thread.pk}/vote", bearer(forum["other"]))
    assert data["voted"] is False and data["vote_count"] == 0


@pytest.mark.django_db
def test_hidden_threads_are_404_everywhere(client, forum):
    thread = actions.create_thread(
        forum["member"], forum["club"], kind="discussion", title="Secret ride", body="Sunday"
    )
    outsider = bearer(forum["outsider"])
    for method, path, body in [
        ("get", f"/threads/{thread.pk}", None),
        ("get", f"/threads/{thread.pk}/posts", None),
        ("post", f"/threads/{thread.pk}/posts", {"body": "hi"}),
        ("get", "/communities/club/threads", None),
        ("post", "/communities/club/threads", {"title": "x", "body": "y"}),
    ]:
        response, data = call(client, method, path, outsider, body)
        assert response.status_code == 404, path
        assert "Secret" not in str(data)
    response, data = call(client, "get", f"/threads/{thread.pk}", bearer(forum["member"]))
    assert data["title"] == "Secret ride"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"body": ""}, 422),
        ({"body": "   "}, 422),
        ({"body": "a\u0000b"}, 422),
        ({"body": "x" * 30_001}, 422),
        ({"body": 5}, 422),
        ({}, 422),
        ({"body": "ok", "reply_to": 999999}, 422),
        ({"body": "ok", "client_id": "x" * 65}, 422),
    ],
)
def test_bad_replies(client, forum, body, status):
    thread = actions.create_thread(
        forum["member"], forum["ideas"], kind="discussion", title="T", body="B"
    )
    response, data = call(
        client, "post", f"/threads/{thread.pk}/posts", bearer(forum["other"]), body
    )
    assert response.status_code == status, data
    assert data["detail"] and data["code"]


@pytest.mark.django_db
def test_anonymous_readers_and_writers(client, forum):
    thread = actions.create_thread(
        forum["member"], forum["ideas"], kind="discussion", title="Public", body="Hello"
    )
    response, data = call(client, "get", f"/threads/{thread.pk}/posts")
    assert response.status_code == 200
    response, data = call(client, "post", f"/threads/{thread.pk}/posts", None, {"body": "hi"})
    assert response.status_code == 401
    response, data = call(
        client, "post", f"/threads/{thread.pk}/posts", bearer(forum["outsider"]), {"body": "hi"}
    )
    assert response.status_code == 403 and data["code"] == "not_a_member"


@pytest.mark.django_db
def test_thread_list_keyset_pages(client, forum):
    for i in range(7):
        actions.create_thread(
            forum["member"], forum["ideas"], kind="discussion", title=f"T{i}", body="b"
        )
    seen, cursor = [], None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        response, page = call(client, "get", f"/communities/ideas/threads?limit=3{suffix}")
        seen += [t["title"] for t in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert seen == [f"T{i}" for i in reversed(range(7))]
    response, data = call(client, "get", "/communities/ideas/threads?cursor=garbage")
    assert response.status_code == 422 and data["code"] == "invalid"
    response, data = call(client, "get", "/communities/ideas/threads?sort=random")
    assert response.status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 20])
def test_list_endpoints_keep_their_query_count(client, forum, extra):
    thread = actions.create_thread(
        forum["member"], forum["ideas"], kind="idea", title="T", body="b"
    )
    for i in range(1 + extra):
        actions.create_thread(
            forum["other"], forum["ideas"], kind="question", title=f"Q{i}", body="b"
        )
        actions.reply(forum["other"], thread, body=f"reply {i}")
    with CaptureQueriesContext(connection) as threads:
        call(client, "get", "/communities/ideas/threads?limit=50")
    with CaptureQueriesContext(connection) as posts:
        call(client, "get", f"/threads/{thread.pk}/posts?limit=100")
    # The community, its threads, and their tags (one prefetch for the page).
    assert len(threads) == 3, [q["sql"] for q in threads]
    # The thread, its posts, and one query for the member facets of all their authors
    # (the badges app's level, title, featured badges; its ladder cached by the replies).
    assert len(posts) == 3, [q["sql"] for q in posts]

"""An app plugs into the registries alone: a verb and its receiver, a stream event, an API
route and a member facet, with nothing edited in forums/ or the site package."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from community import activity, apitools, facets
from community.models import Activity
from forums import actions as forum_actions
from realtime import events
from realtime.models import Event
from tests.extension_app import kudos


@pytest.fixture
def people(make_community, make_user, add_member):
    community = make_community("fans", join_policy="open")
    alice, bob = make_user(username="alice"), make_user(username="bob")
    add_member(community, alice)
    add_member(community, bob)
    return {"community": community, "alice": alice, "bob": bob}


def test_the_app_is_in_every_registry_it_uses():
    assert activity.verbs()["kudos.given"] is kudos.GIVEN
    assert events.EVENTS["kudos.received"] is kudos.RECEIVED
    assert "kudos" in facets.names()
    assert "tests.extension_app.kudos.router" in apitools.registered_routers()


@pytest.mark.django_db
def test_its_route_is_mounted_before_the_json_404(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "post" in schema["paths"]["/api/v1/members/{username}/kudos"]
    missing = client.get("/api/v1/members/bob/kudos/extra")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


@pytest.mark.django_db
def test_kudos_are_recorded_delivered_and_published_after_commit(
    client, people, django_capture_on_commit_callbacks
):
    alice, bob = people["alice"], people["bob"]
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/members/bob/kudos", {"message": "Thanks!"}, content_type="application/json"
        )
    assert response.status_code == 201, response.content
    entry = Activity.objects.get(verb="kudos.given")
    assert (entry.actor_id, entry.target_user_id, entry.data) == (
        alice.pk,
        bob.pk,
        {"message": "Thanks!"},
    )
    # The receiver ran after commit and published on bob's own stream.
    event = Event.objects.get(stream=f"me:{bob.pk}", event="kudos.received")
    assert event.data == {"from": "alice", "message": "Thanks!"}


@pytest.mark.django_db
def test_a_rollback_records_publishes_and_delivers_nothing(
    people, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        kudos.give(people["alice"], people["bob"], message="Thanks!")
        raise RuntimeError("the request failed later")
    assert not Activity.objects.filter(verb="kudos.given").exists()
    assert not Event.objects.filter(event="kudos.received").exists()


@pytest.mark.django_db
def test_bad_kudos_get_json_errors(client, people):
    client.force_login(people["alice"])

    def give(username, message):
        return client.post(
            f"/api/v1/members/{username}/kudos",
            {"message": message},
            content_type="application/json",
        )

    assert give("alice", "Me!").json()["code"] == "forbidden"
    assert give("bob", "  ").status_code == 422
    assert give("nobody", "Hi").status_code == 404
    assert not Activity.objects.filter(verb="kudos.given").exists()


@pytest.mark.django_db
def test_the_facet_shows_on_members_post_authors_and_the_author_line(
    client, people, django_capture_on_commit_callbacks, capture_events
):
    alice, bob, community = people["alice"], people["bob"], people["community"]
    kudos.give(alice, bob, message="Thanks!")
    kudos.give(people["community"].created_by, bob, message="Well done")

    assert client.get("/api/v1/members/bob").json()["kudos"] == 2
    members = client.get("/api/v1/communities/fans/members").json()["items"]
    assert {m["username"]: m["kudos"] for m in members} == {"staffer": 0, "alice": 0, "bob": 2}

    thread = forum_actions.create_thread(bob, community, kind="discussion", title="Hi", body="Yo")
    with capture_events(f"thread:{thread.pk}") as published:
        forum_actions.reply(bob, thread, body="Me again")
    [created] = [e for e in published if e.get("event") == "post.created"]
    assert created["data"]["author"]["kudos"] == 2
    assert "🙌 2" in created["data"]["author"]["line_html"]

    posts = client.get(f"/api/v1/threads/{thread.pk}/posts").json()["items"]
    assert [p["author"]["kudos"] for p in posts] == [2, 2]
    page = client.get(thread.get_absolute_url()).content.decode()
    assert page.count('<span class="kudos" title="kudos">🙌 2</span>') == 2


@pytest.mark.django_db
def test_the_facet_costs_one_query_per_page(client, people, make_user, add_member):
    community = people["community"]
    thread = forum_actions.create_thread(
        people["bob"], community, kind="discussion", title="Hi", body="Yo"
    )
    url = f"/api/v1/threads/{thread.pk}/posts"

    def kudos_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [q for q in captured.captured_queries if "kudos.given" in q["sql"]]

    assert len(kudos_queries()) == 1
    for n in range(5):
        someone = make_user(username=f"writer{n}")
        add_member(community, someone)
        forum_actions.reply(someone, thread, body=f"Reply {n}")
    assert len(kudos_queries()) == 1

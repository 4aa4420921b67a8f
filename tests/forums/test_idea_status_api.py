"""POST /api/v1/threads/{id}/status: managers set an idea's status and its public note."""

import pytest

from forums import actions
from forums.models import Thread
from tests.forums.test_api import bearer, call

pytestmark = pytest.mark.postgres_too


@pytest.fixture
def ideas(make_community, make_user, add_member):
    public = make_community("ideas", visibility="public", join_policy="open", kind="ideas")
    hidden = make_community("secret", visibility="hidden", join_policy="invite", kind="ideas")
    manager, moderator, member, outsider = (make_user() for _ in range(4))
    for community in (public, hidden):
        add_member(community, manager, role="manager")
        add_member(community, moderator, role="moderator")
        add_member(community, member)
    idea = actions.create_thread(member, public, kind="idea", title="Dark mode", body="Please.")
    secret = actions.create_thread(member, hidden, kind="idea", title="Hidden", body="Sh.")
    return {
        "idea": idea,
        "secret": secret,
        "manager": manager,
        "moderator": moderator,
        "member": member,
        "outsider": outsider,
    }


@pytest.mark.django_db
def test_a_manager_sets_the_status_with_a_note(client, ideas):
    idea = ideas["idea"]
    response, body = call(
        client,
        "post",
        f"/threads/{idea.pk}/status",
        bearer(ideas["manager"]),
        {"status": "planned", "note": "Coming in the spring update."},
    )
    assert response.status_code == 200, body
    assert body["id"] == idea.pk and body["idea_status"] == "planned"
    assert body["idea_status_note"] == "Coming in the spring update."
    idea.refresh_from_db()
    assert (idea.idea_status, idea.idea_status_note) == ("planned", "Coming in the spring update.")
    # The note is optional.
    response, body = call(
        client, "post", f"/threads/{idea.pk}/status", bearer(ideas["manager"]), {"status": "done"}
    )
    assert response.status_code == 200 and body["idea_status_note"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "moderator"])
def test_members_and_moderators_may_not(client, ideas, who):
    idea = ideas["idea"]
    response, body = call(
        client, "post", f"/threads/{idea.pk}/status", bearer(ideas[who]), {"status": "declined"}
    )
    assert response.status_code == 403 and body["code"] == "forbidden", body
    assert body["detail"]
    idea.refresh_from_db()
    assert idea.idea_status == Thread.IdeaStatus.NEW


@pytest.mark.django_db
def test_hidden_is_missing_for_outsiders(client, ideas):
    secret = ideas["secret"]
    outsider = bearer(ideas["outsider"])
    hidden, body = call(
        client, "post", f"/threads/{secret.pk}/status", outsider, {"status": "done"}
    )
    missing, other = call(client, "post", "/threads/999999/status", outsider, {"status": "done"})
    assert hidden.status_code == missing.status_code == 404
    # As every thread endpoint answers (queries.thread_for).
    assert body["code"] == other["code"] == "not_found"
    secret.refresh_from_db()
    assert secret.idea_status == Thread.IdeaStatus.NEW


@pytest.mark.django_db
def test_a_bad_status_or_a_thread_that_is_not_an_idea(client, ideas):
    manager = bearer(ideas["manager"])
    idea = ideas["idea"]
    response, body = call(client, "post", f"/threads/{idea.pk}/status", manager, {"status": "x"})
    assert response.status_code == 422 and body["code"] == "invalid" and body["detail"]
    response, body = call(client, "post", f"/threads/{idea.pk}/status", manager, {"note": "n"})
    assert response.status_code == 422 and body["code"] == "invalid"
    question = actions.create_thread(
        ideas["member"], idea.community, kind="question", title="Q", body="b"
    )
    response, body = call(
        client, "post", f"/threads/{question.pk}/status", manager, {"status": "done"}
    )
    assert response.status_code == 403 and body["code"] == "not_an_idea"
    # Signed out: no status either.
    response, body = call(client, "post", f"/threads/{idea.pk}/status", None, {"status": "done"})
    assert response.status_code == 401

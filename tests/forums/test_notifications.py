"""Notifications: replies, mentions, quotes, accepted answers, idea news; in-app, mail, digest."""

import re

import pytest

from community import actions as community_actions
from forums import actions, notification_mail
from forums.models import Notification

pytestmark = pytest.mark.postgres_too


@pytest.fixture
def forum(make_community, make_user, add_member):
    support = make_community("support", visibility="private", join_policy="request")
    asker, helper, bystander, outsider = (make_user() for _ in range(4))
    for user in (asker, helper, bystander):
        add_member(support, user)
    return {
        "community": support,
        "asker": asker,
        "helper": helper,
        "bystander": bystander,
        "outsider": outsider,
    }


def kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block and its after-commit work (events, notification jobs) at once."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.django_db
def test_replies_mentions_and_quotes(forum, committed, mailoutbox):
    with committed():
        thread = actions.create_thread(
            forum["asker"],
            forum["community"],
            kind="question",
            title="Wobbly wheel",
            body="Help",
        )
    with committed():
        answer = actions.reply(
            forum["helper"],
            thread,
            body=f"Ask @{forum['bystander'].username}, not @{forum['outsider'].username}. "
            f"`@{forum['asker'].username}` in code is no mention.",
        )
    assert kinds(forum["asker"]) == ["reply"]  # authors watch their threads
    assert kinds(forum["bystander"]) == ["mention"]
    assert kinds(forum["outsider"]) == []  # cannot read the community: told nothing
    assert kinds(forum["helper"]) == []  # never about one's own post
    # Mentions mail at once by default; replies wait for the digest.
    assert [m.to for m in mailoutbox] == [[forum["bystander"].email]]
    assert "Wobbly wheel" in mailoutbox[0].subject
    assert mailoutbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The reason speaks to the reader, as on the page: not "Someone mentions me".
    helper_name = forum["helper"].profile.name
    assert f"- {helper_name} mentioned you: Wobbly wheel" in mailoutbox[0].body
    assert "mentions me" not in mailoutbox[0].body
    with committed():
        actions.reply(forum["bystander"], thread, body="Spokes?", reply_to=answer)
    assert kinds(forum["helper"]) == ["quote"]


@pytest.mark.django_db
def test_accepted_answers_and_idea_news(forum, committed, staff, mailoutbox):
    with committed():
        thread = actions.create_thread(
            forum["asker"], forum["community"], kind="question", title="Q", body="?"
        )
        answer = actions.reply(forum["helper"], thread, body="This.")
    with committed():
        actions.accept_answer(forum["asker"], thread, answer)
    assert "accepted" in kinds(forum["helper"])
    with committed():
        idea = actions.create_thread(
            forum["asker"], forum["community"], kind="idea", title="Bell", body="Louder"
        )
        actions.vote(forum["bystander"], idea)
    with committed():
        actions.set_idea_status(staff, idea, status="planned")
    assert "idea_status" in kinds(forum["bystander"])
    assert "idea_status" in kinds(forum["asker"])


@pytest.mark.django_db
def test_events_on_the_me_stream(forum, committed, capture_events):
    with committed():
        thread = actions.create_thread(
            forum["asker"], forum["community"], kind="discussion", title="T", body="b"
        )
    with capture_events(f"me:{forum['asker'].pk}") as events:
        actions.reply(forum["helper"], thread, body="hi")
    created = [e for e in events if e.get("event") == "notification.created"]
    assert len(created) == 1 and created[0]["data"]["title"] == "T"


@pytest.mark.django_db
def test_digest_and_one_click_unsubscribe(client, forum, committed, mailoutbox):
    with committed():
        thread = actions.create_thread(
            forum["asker"], forum["community"], kind="discussion", title="Digest me", body="b"
        )
        actions.reply(forum["helper"], thread, body="one")
        actions.reply(forum["bystander"], thread, body="two")
    assert mailoutbox == []
    assert notification_mail.send_digests() == 1
    assert notification_mail.send_digests() == 0  # each notification is mailed once
    digest = mailoutbox[0]
    assert digest.to == [forum["asker"].email] and digest.body.count("Digest me") == 2
    link = re.search(r"https?://\S+/notifications/unsubscribe/\S+/", digest.body).group()
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(path).status_code == 200  # asks first
    assert client.post(path).status_code == 200  # one click, no login
    assert notification_mail.email_setting(forum["asker"], "reply") == "off"
    assert client.post("/notifications/unsubscribe/forged/").status_code == 400


@pytest.mark.django_db
def test_api_and_pages(client, forum, committed):
    with committed():
        thread = actions.create_thread(
            forum["asker"], forum["community"], kind="discussion", title="T", body="b"
        )
        actions.reply(forum["helper"], thread, body="hi")
    _token, key = community_actions.create_api_token(forum["asker"], forum["asker"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    data = client.get("/api/v1/notifications", **auth).json()
    assert data["unread"] == 1 and data["items"][0]["kind"] == "reply"
    assert client.get("/api/v1/me", **auth).json()["unread"]["notifications"] == 1
    response = client.post(
        "/api/v1/notifications/read", {}, content_type="application/json", **auth
    )
    assert response.json() == {"marked": 1, "unread": 0}
    response = client.post(
        f"/api/v1/threads/{thread.pk}/watch",
        {"watching": False},
        content_type="application/json",
        **auth,
    )
    assert response.json() == {"thread": thread.pk, "watching": False}
    with committed():
        actions.reply(forum["helper"], thread, body="again")
    assert Notification.objects.filter(user=forum["asker"]).count() == 1  # no longer watching
    client.force_login(forum["helper"])
    page = client.get("/settings/notifications/")
    assert page.status_code == 200
    response = client.post(
        "/settings/notifications/",
        {
            "reply": "immediate",
            "mention": "off",
            "quote": "digest",
            "accepted": "immediate",
            "idea_status": "off",
        },
    )
    assert response.status_code == 302
    assert notification_mail.email_setting(forum["helper"], "mention") == "off"

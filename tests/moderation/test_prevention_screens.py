"""Prevention on the write path: newcomers' limits, holds, watched words, promotion, and
rate limits on every surface (page, API, WebSocket)."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import actions as community_actions
from community.errors import RateLimited
from community.models import Activity, Membership
from forums import actions as forums
from forums.models import Post, Status
from forums.moderation.prevention import actions, trust
from forums.moderation.prevention.models import MemberTrust
from tests.moderation.ledger_prevention import every_prevention_action

API = "/api/v1"


@pytest.fixture
def world(make_community, make_user, add_member, staff):
    club = make_community("club")
    member, moderator, manager = make_user(), make_user(), make_user()
    add_member(club, member)
    add_member(club, moderator, role="moderator")
    add_member(club, manager, role="manager")
    thread = forums.create_thread(staff, club, kind="discussion", title="Hello", body="Welcome")
    return {
        "club": club,
        "member": member,
        "moderator": moderator,
        "manager": manager,
        "staff": staff,
        "thread": thread,
    }


def bearer(user):
    _token, key = community_actions.create_api_token(user, user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def api(client, method, path, user, body=None):
    kwargs = bearer(user)
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    response = getattr(client, method)(API + path, **kwargs)
    return response, response.json() if response.content else None


# --- Trust ------------------------------------------------------------------------


def test_first_posts_of_a_newcomer_are_held(world):
    actions.update_policy(world["staff"], world["club"], hold_first_posts=2)
    post = forums.reply(world["member"], world["thread"], body="Hi all")
    assert post.status == Status.HELD
    assert Activity.objects.filter(verb="post.held").exists()


def test_moderators_are_never_held_nor_limited(world, settings):
    settings.RATE_LIMITS = {"post": ["1/m"]}
    actions.update_policy(world["manager"], world["club"], hold_first_posts=5, newcomer_max_links=0)
    for _ in range(3):
        post = forums.reply(world["moderator"], world["thread"], body="see https://a.example")
        assert post.status == Status.PUBLISHED


def test_newcomer_links_and_images_are_refused_with_a_clear_message(world):
    actions.update_policy(
        world["staff"], world["club"], newcomer_max_links=1, newcomer_max_images=0
    )
    with pytest.raises(ValidationError) as refused:
        forums.reply(
            world["member"], world["thread"], body="https://a.example [b](https://b.example)"
        )
    assert refused.value.error_dict["body"][0].code == "too_many_links"
    with pytest.raises(ValidationError) as refused:
        forums.reply(world["member"], world["thread"], body="![cat](/media/cat.webp)")
    assert refused.value.error_dict["body"][0].code == "too_many_images"
    assert forums.reply(world["member"], world["thread"], body="one https://a.example").pk


def test_newcomer_posting_rate_per_hour(world):
    actions.update_policy(world["staff"], world["club"], newcomer_posts_per_hour=2)
    forums.reply(world["member"], world["thread"], body="one")
    forums.reply(world["member"], world["thread"], body="two")
    with pytest.raises(RateLimited) as refused:
        forums.reply(world["member"], world["thread"], body="three")
    assert refused.value.retry_after > 0


def test_promotion_when_criteria_are_met(world):
    club, member = world["club"], world["member"]
    actions.update_policy(
        world["staff"],
        club,
        hold_first_posts=1,
        promote_after_days=2,
        promote_after_posts_read=0,
        promote_after_posts_accepted=1,
    )
    held = forums.reply(member, world["thread"], body="first")
    assert held.status == Status.HELD
    assert actions.level_of(member, club) == "newcomer"
    Post.objects.filter(pk=held.pk).update(status=Status.PUBLISHED)  # approved
    assert actions.level_of(member, club) == "newcomer"  # too early: 2 days
    Membership.objects.filter(user=member, community=club).update(
        joined_at=timezone.now() - datetime.timedelta(days=3)
    )
    club = type(club).objects.get(pk=club.pk)
    assert actions.level_of(member, club) == "trusted"
    entry = Activity.objects.get(verb="trust.promoted")
    assert entry.actor is None and entry.data["reason"] == "criteria met"
    assert forums.reply(member, world["thread"], body="second").status == Status.PUBLISHED


def test_a_demotion_by_hand_sticks(world):
    club, member = world["club"], world["member"]
    actions.update_policy(
        world["staff"],
        club,
        promote_after_days=0,
        promote_after_posts_read=0,
        promote_after_posts_accepted=0,
        hold_first_posts=3,
    )
    actions.set_trust(world["moderator"], club, member, level="newcomer", reason="spammy")
    assert actions.level_of(member, club) == "newcomer"
    entry = Activity.objects.get(verb="trust.demoted")
    assert entry.data == {"reason": "spammy", "before": "newcomer", "after": "newcomer"}
    assert forums.reply(member, world["thread"], body="x").status == Status.HELD


def test_trust_api_and_scope(world, client, make_user):
    path = f"/communities/club/members/{world['member'].username}/trust"
    response, body = api(
        client, "post", path, world["moderator"], {"level": "trusted", "reason": "ok"}
    )
    assert response.status_code == 200 and body["level"] == "trusted" and body["set_by_hand"]
    entry = Activity.objects.get(verb="trust.promoted")
    assert entry.data == {"reason": "ok", "before": "newcomer", "after": "trusted"}
    response, body = api(client, "post", path, world["member"], {"level": "trusted"})
    assert response.status_code == 403 and body["code"] == "forbidden"
    response, body = api(client, "post", path, world["moderator"], {"level": "boss"})
    assert response.status_code == 422
    response, _ = api(
        client,
        "post",
        "/communities/nope/members/x/trust",
        world["moderator"],
        {"level": "trusted"},
    )
    assert response.status_code == 404


# --- Watched words on the write path -------------------------------------------------


def test_each_watched_word_action(world):
    staff, club, member, thread = world["staff"], world["club"], world["member"], world["thread"]
    actions.add_watched_word(staff, club, pattern="casino", action="block")
    actions.add_watched_word(staff, club, pattern="crypto*", action="hold")
    actions.add_watched_word(staff, club, pattern="refund", action="flag")
    actions.add_watched_word(
        world["staff"], None, pattern="darn", action="replace", replacement="d***"
    )
    with pytest.raises(ValidationError) as refused:
        forums.reply(member, thread, body="Best CАSINO\u200b in town")  # Cyrillic А, zero-width
    assert "casino" in refused.value.messages[0]
    assert forums.reply(member, thread, body="Cryptocurrency!").status == Status.HELD
    assert forums.reply(member, thread, body="Dárn it").body == "d*** it"
    assert forums.reply(member, thread, body="I want a refund").status == Status.PUBLISHED


def test_flag_action_reaches_the_draft(world):
    from forums import screening

    actions.add_watched_word(world["staff"], world["club"], pattern="refund", action="flag")
    draft = screening.screen(
        screening.Draft(
            world["member"], world["club"], screening.REPLY, "refund please", thread=world["thread"]
        )
    )
    assert draft.flag == ["watched_word"] and not draft.hold


def test_matcher_is_rebuilt_after_a_change(world, django_capture_on_commit_callbacks):
    member, thread = world["member"], world["thread"]
    forums.reply(member, thread, body="casino")
    with django_capture_on_commit_callbacks(execute=True):
        word = actions.add_watched_word(
            world["manager"], world["club"], pattern="casino", action="block"
        )
    with pytest.raises(ValidationError):
        forums.reply(member, thread, body="casino")
    with django_capture_on_commit_callbacks(execute=True):
        actions.remove_watched_word(world["manager"], word)
    assert forums.reply(member, thread, body="casino").pk


def test_watched_words_api(world, client):
    path = "/communities/club/watched-words"
    response, body = api(
        client, "post", path, world["manager"], {"pattern": "sp*m", "action": "hold"}
    )
    assert response.status_code == 201 and body["pattern"] == "sp*m"
    response, err = api(
        client, "post", path, world["manager"], {"pattern": "(a+)+", "action": "hold"}
    )
    assert response.status_code == 422 and "regular expressions" in err["detail"]
    response, err = api(
        client, "post", path, world["manager"], {"pattern": "SP*M", "action": "flag"}
    )
    assert response.status_code == 409
    response, err = api(
        client, "post", path, world["moderator"], {"pattern": "x", "action": "hold"}
    )
    assert response.status_code == 403
    response, err = api(
        client,
        "post",
        path,
        world["manager"],
        {"pattern": "y", "action": "hold", "site_wide": True},
    )
    assert response.status_code == 403
    response, listed = api(client, "get", path, world["moderator"])
    assert [w["pattern"] for w in listed["items"]] == ["sp*m"]
    response, _ = api(client, "delete", f"{path}/{body['id']}", world["manager"])
    assert response.status_code == 204
    assert Activity.objects.filter(verb__startswith="watched_word.").count() == 2
    response, _ = api(client, "get", "/communities/nope/watched-words", world["manager"])
    assert response.status_code == 404


# --- Rate limits on every surface ----------------------------------------------------


def test_api_post_rate_limit_is_429_with_retry_after(world, client, settings):
    settings.RATE_LIMITS = {"post": ["2/m"]}
    path = f"/threads/{world['thread'].pk}/posts"
    for n in range(2):
        response, _ = api(client, "post", path, world["member"], {"body": f"hi {n}"})
        assert response.status_code == 201
    response, body = api(client, "post", path, world["member"], {"body": "again"})
    assert response.status_code == 429
    assert body["code"] == "rate_limited" and "Try again in" in body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 61


def test_api_react_rate_limit(world, client, settings):
    settings.RATE_LIMITS = {"react": ["1/m"]}
    post = world["thread"].posts.get()
    path = f"/posts/{post.pk}/reactions"
    assert api(client, "post", path, world["member"], {"kind": "like"})[0].status_code == 200
    response, body = api(client, "post", path, world["member"], {"kind": "like"})
    assert response.status_code == 429 and body["code"] == "rate_limited"
    assert response["Retry-After"]


def test_api_endorse_rate_limit(world, client, settings, make_user, add_member):
    settings.RATE_LIMITS = {"endorse": ["1/h"]}
    other = make_user()
    add_member(world["club"], other)
    forums.reply(other, world["thread"], body="I help")
    body = {"community": "club", "quality": "helpful"}
    first, _ = api(client, "post", f"/members/{other.username}/endorsements", world["member"], body)
    assert first.status_code == 201
    body["quality"] = "clear"
    response, err = api(
        client, "post", f"/members/{other.username}/endorsements", world["member"], body
    )
    assert response.status_code == 429 and err["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 60


def test_page_shows_the_rate_limit_as_a_form_error(world, client, settings):
    settings.RATE_LIMITS = {"post": ["1/m"]}
    client.force_login(world["member"])
    from django.urls import reverse

    url = reverse("new_thread", args=["club"])
    data = {"kind": "discussion", "title": "One", "body": "First", "client_id": "a" * 32}
    assert client.post(url, data).status_code == 302
    data.update(title="Two", client_id="b" * 32)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Try again in" in response.content.decode()


def test_staff_are_exempt(world, client, settings):
    settings.RATE_LIMITS = {"post": ["1/m"]}
    for n in range(3):
        forums.reply(world["staff"], world["thread"], body=f"staff {n}")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_websocket_write_refused_with_retry_after(
    make_community, make_user, add_member, staff, settings
):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from community.site.asgi import application

    settings.RATE_LIMITS = {"post": ["1/m"], "react": ["1/m"]}

    @sync_to_async
    def setup():
        club = make_community("club")
        member = make_user()
        add_member(club, member)
        thread = forums.create_thread(staff, club, kind="discussion", title="Hi", body="Hello")
        client = Client()
        client.force_login(member)
        return thread, thread.posts.get(), client.session.session_key

    thread, post, session_key = await setup()
    communicator = WebsocketCommunicator(
        application,
        "/ws/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"cookie", f"sessionid={session_key}".encode()),
        ],
    )
    assert (await communicator.connect())[0]

    async def send(frame):
        await communicator.send_to(text_data=json.dumps(frame))
        return json.loads(await communicator.receive_from())

    ok = await send({"op": "reply", "thread": thread.pk, "body": "one", "ref": 1})
    assert ok["op"] == "replied" and ok["ref"] == 1
    refused = await send({"op": "reply", "thread": thread.pk, "body": "two", "ref": 2})
    assert refused["op"] == "error" and refused["reason"] == "rate_limited"
    assert refused["retry_after"] >= 1 and "Try again in" in refused["detail"]
    assert (await send({"op": "react", "post": post.pk, "kind": "like"}))["op"] == "reacted"
    refused = await send({"op": "react", "post": post.pk, "kind": "like"})
    assert refused["reason"] == "rate_limited" and refused["retry_after"] >= 1
    missing = await send({"op": "react", "post": "x", "kind": "like"})
    assert missing["reason"] == "not_found"
    await communicator.disconnect()


# --- Pages --------------------------------------------------------------------------


def _page_queries(client, user, url):
    client.force_login(user)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_list_pages_cost_the_same_for_one_and_many(world, client, make_user, add_member):
    actions.add_watched_word(world["manager"], world["club"], pattern="first", action="hold")
    words_one, _ = _page_queries(client, world["manager"], "/c/club/moderation/words/")
    trust_one, _ = _page_queries(client, world["manager"], "/c/club/moderation/trust/")
    for n in range(5):
        actions.add_watched_word(
            world["manager"], world["club"], pattern=f"more{n}x", action="flag"
        )
        user = make_user()
        add_member(world["club"], user)
        actions.set_trust(world["moderator"], world["club"], user, level="trusted")
    words_many, html = _page_queries(client, world["manager"], "/c/club/moderation/words/")
    assert "more4x" in html
    trust_many, html = _page_queries(client, world["manager"], "/c/club/moderation/trust/")
    assert "Demote" in html
    assert (words_one, trust_one) == (words_many, trust_many)


def test_pages_scope(world, client):
    client.force_login(world["moderator"])
    assert client.get("/c/club/moderation/words/").status_code == 403
    assert client.get("/c/club/moderation/trust/").status_code == 200
    client.force_login(world["member"])
    assert client.get("/c/club/moderation/trust/").status_code == 403


def test_trust_page_promotes_and_saves_the_policy(world, client):
    client.force_login(world["manager"])
    member = world["member"]
    response = client.post(
        "/c/club/moderation/trust/",
        {"username": member.username, "level": "trusted", "reason": "ok"},
    )
    assert response.status_code == 302
    assert MemberTrust.objects.get(user=member).level == "trusted"
    data = {
        "hold_first_posts": 2,
        "newcomer_max_links": 1,
        "newcomer_max_images": 0,
        "newcomer_posts_per_hour": 5,
        "promote_after_days": 1,
        "promote_after_posts_read": 3,
        "promote_after_posts_accepted": 2,
    }
    assert client.post("/c/club/moderation/trust/", data).status_code == 302
    entry = Activity.objects.get(verb="trust.policy_changed")
    assert entry.data["after"]["hold_first_posts"] == 2


def test_words_page_refuses_a_regex_as_a_form_error(world, client):
    client.force_login(world["manager"])
    response = client.post("/c/club/moderation/words/", {"pattern": "a.*b", "action": "block"})
    assert response.status_code == 200
    assert "regular expressions are not accepted" in response.content.decode()


def test_ledger_path(staff, make_user, make_community):
    every_prevention_action(staff, make_user, make_community("ledger"))
    verbs = set(Activity.objects.values_list("verb", flat=True))
    assert {
        "trust.policy_changed",
        "trust.promoted",
        "trust.demoted",
        "watched_word.added",
        "watched_word.removed",
    } <= verbs


def test_an_upheld_flag_keeps_a_member_newcomer(world):
    from django.apps import apps

    Flag = apps.get_model("moderation", "Flag")
    club, member = world["club"], world["member"]
    post = forums.reply(member, world["thread"], body="hm")
    Flag.objects.create(
        community=club,
        thread=world["thread"],
        post=post,
        user=world["staff"],
        subject=member,
        reason="spam",
        outcome="upheld",
    )
    actions.update_policy(
        world["staff"],
        club,
        promote_after_days=0,
        promote_after_posts_read=0,
        promote_after_posts_accepted=0,
        require_no_upheld_flags=True,
    )
    assert actions.level_of(member, club) == "newcomer"
    assert trust.upheld_flags(member, club) == 1
    actions.update_policy(world["staff"], club, require_no_upheld_flags=False)
    assert actions.level_of(member, club) == "trusted"

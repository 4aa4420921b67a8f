"""Similar threads while a title is typed, the opened signal, and deflection counting."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from community.errors import Forbidden
from community.models import Activity
from forums import actions as forum_actions
from forums.moderation.curation import actions, deflections, queries
from tests.moderation.curation_helpers import entries, make_club

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(make_community, make_user, add_member):
    return make_club(make_community, make_user, add_member)


def ask(club, title, body="Any idea?", author=None):
    return forum_actions.create_thread(
        author or club.moderator, club.community, kind="question", title=title, body=body
    )


def solved(club, title, body="It will not pair."):
    thread = ask(club, title, body)
    answer = forum_actions.reply(club.manager, thread, body="Hold the button for 5 seconds.")
    forum_actions.accept_answer(club.moderator, thread, answer)
    thread.refresh_from_db()
    return thread


def test_solved_threads_come_first(club):
    open_one = ask(club, "Speaker pairing fails with my phone")
    done = solved(club, "Speaker pairing fails after update")
    ask(club, "Battery drains overnight")
    found = queries.similar_threads(club.member, club.community, "speaker pairing")
    assert [t.pk for t in found] == [done.pk, open_one.pk]
    assert queries.similar_data(found[0])["solved"] is True


def test_a_typed_sentence_still_finds_them(club):
    done = solved(club, "Reset the speaker password")
    found = queries.similar_threads(club.member, club.community, "How do I reset my password")
    assert [t.pk for t in found] == [done.pk]
    assert queries.similar_threads(club.member, club.community, "   ") == []
    assert queries.similar_threads(club.member, club.community, "zzzz qqqq") == []


def test_hidden_and_held_threads_are_never_suggested(club):
    gone = ask(club, "Firmware rollback steps")
    forum_actions.hide_thread(club.moderator, gone, reason="Wrong")
    assert queries.similar_threads(club.member, club.community, "firmware rollback") == []


def test_a_hidden_communitys_threads_never_reach_an_outsider(
    client, club, make_community, make_user, add_member, staff
):
    vault = make_community("vault", visibility="hidden", join_policy="invite")
    insider = make_user()
    add_member(vault, insider)
    forum_actions.create_thread(
        staff, vault, kind="question", title="Prototype amplifier wiring", body="Secret"
    )
    ask(club, "Amplifier wiring for the public model")
    # Through the query: the outsider's search never reads the vault.
    outsider = club.outsider
    assert queries.similar_threads(outsider, vault, "amplifier wiring") == []
    titles = [
        t.title for t in queries.similar_threads(outsider, club.community, "amplifier wiring")
    ]
    assert titles == ["Amplifier wiring for the public model"]
    # Through the API: the vault is as missing as a community that does not exist.
    client.force_login(outsider)
    hidden = client.get("/api/v1/communities/vault/similar?q=amplifier+wiring")
    missing = client.get("/api/v1/communities/nowhere/similar?q=amplifier+wiring")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    body = client.get("/api/v1/communities/club/similar?q=amplifier+wiring").content.decode()
    assert "Prototype" not in body and "Amplifier wiring for the public model" in body
    # The insider is offered it.
    client.force_login(insider)
    items = client.get("/api/v1/communities/vault/similar?q=amplifier+wiring").json()["items"]
    assert [i["title"] for i in items] == ["Prototype amplifier wiring"]


def test_a_private_community_answers_403_to_a_non_member(client, make_community, make_user):
    make_community("inner", visibility="private")
    client.force_login(make_user())
    response = client.get("/api/v1/communities/inner/similar?q=anything")
    assert response.status_code == 403 and response.json()["code"] == "not_a_member"


def test_the_api_shape(client, club):
    done = solved(club, "Speaker pairing fails after update")
    client.force_login(club.member)
    (item,) = client.get("/api/v1/communities/club/similar?q=speaker+pairing").json()["items"]
    assert item == {
        "id": done.pk,
        "title": "Speaker pairing fails after update",
        "kind": "question",
        "solved": True,
        "replies": 1,
        "url": f"/c/club/t/{done.pk}/",
    }
    assert client.get("/api/v1/communities/club/similar?q=").status_code == 422


def test_opening_a_suggestion_is_recorded(client, club):
    done = solved(club, "Speaker pairing fails after update")
    client.force_login(club.member)
    response = client.post(
        f"/api/v1/threads/{done.pk}/similar-opened",
        {"query": "speaker  pairing"},
        content_type="application/json",
    )
    assert response.status_code == 201
    (entry,) = entries("similar.opened")
    assert entry.actor == club.member and entry.community == club.community
    assert entry.object_id == done.pk
    assert entry.data == {"thread": done.pk, "query": "speaker pairing"}
    client.logout()
    response = client.post(
        f"/api/v1/threads/{done.pk}/similar-opened", {}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert len(entries("similar.opened")) == 1


def test_opening_a_thread_one_may_not_read_is_refused(
    client, club, make_community, make_user, staff
):
    vault = make_community("vault", visibility="hidden", join_policy="invite")
    secret = forum_actions.create_thread(staff, vault, kind="question", title="Hush", body="b")
    with pytest.raises(Exception) as refused:
        actions.record_similar_opened(club.outsider, secret, query="hush")
    assert refused.type.__name__ == "Http404"
    client.force_login(club.outsider)
    response = client.post(
        f"/api/v1/threads/{secret.pk}/similar-opened", {}, content_type="application/json"
    )
    assert response.status_code == 404
    inner = make_community("inner", visibility="private")
    private = forum_actions.create_thread(staff, inner, kind="question", title="Inner", body="b")
    with pytest.raises(Forbidden):
        actions.record_similar_opened(club.outsider, private, query="inner")
    assert not entries("similar.opened")


# --- Deflections ---------------------------------------------------------------------------


@contextmanager
def at(when):
    """Write ledger entries as of ``when`` (the ledger itself refuses any later change)."""
    field = Activity._meta.get_field("created_at")
    with mock.patch.object(field, "_get_default", lambda: when):
        yield


def opened(club, member, thread, when):
    with at(when):
        return actions.record_similar_opened(member, thread, query="q")


def posted(club, member, when, title="My own question"):
    with at(when):
        thread = ask(club, title, author=member)
    assert Activity.objects.get(verb="thread.created", object_id=thread.pk).created_at == when


def test_deflection_counting(club, make_user, add_member):
    base = timezone.now() - timedelta(days=1)
    target = solved(club, "Speaker pairing fails after update")
    minutes = lambda n: base + timedelta(minutes=n)  # noqa: E731
    spared, posted_anyway, browsing, late_poster = (make_user() for _ in range(4))
    for member in (spared, posted_anyway, browsing, late_poster):
        add_member(club.community, member)
    # Spared: opened one, never posted.
    opened(club, spared, target, minutes(0))
    # Opened one, then posted within 30 minutes: no deflection.
    opened(club, posted_anyway, target, minutes(0))
    posted(club, posted_anyway, minutes(20))
    # Opened three in a row (one visit), never posted: one deflection, at the last.
    for n in (0, 10, 25):
        opened(club, browsing, target, minutes(n))
    # Posted 45 minutes later: the 30 minutes had passed, so it counts.
    opened(club, late_poster, target, minutes(0))
    posted(club, late_poster, minutes(45), title="Later question")
    assert deflections.count(club.community, minutes(-1), minutes(60)) == 3
    # By the time of the opening, within [start, end).
    assert deflections.count(club.community, minutes(1), minutes(60)) == 1  # browsing's last
    assert deflections.count(club.community, minutes(-1), minutes(0)) == 0
    # Another community's figures are its own.
    assert deflections.count(club.community.pk + 999, minutes(-1), minutes(60)) == 0


def test_a_fresh_opening_is_not_counted_until_the_window_closed(club):
    target = solved(club, "Speaker pairing fails after update")
    now = timezone.now()
    opened(club, club.member, target, now - timedelta(minutes=5))
    assert (
        deflections.count(club.community, now - timedelta(hours=1), now + timedelta(hours=1)) == 0
    )
    later = now + timedelta(minutes=31)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    assert deflections.count(club.community, start, end, now=later) == 1
    # A thread posted in the meantime (even one held for review) cancels it.
    posted(club, club.member, now - timedelta(minutes=1))
    assert deflections.count(club.community, start, end, now=later) == 0

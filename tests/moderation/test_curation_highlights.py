"""Highlights: featuring, order, scope, the ledger, the live event, pages and the API."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from community import theme
from community.errors import Conflict, Forbidden
from forums import actions as forum_actions
from forums.moderation.curation import actions, queries
from forums.moderation.curation.models import Highlight
from tests.moderation.curation_helpers import entries, make_club

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(make_community, make_user, add_member):
    return make_club(make_community, make_user, add_member)


def question(club, title="How do I pair the speaker?", body="It blinks.", author=None):
    # By the moderator unless said otherwise: members' posting rate is limited.
    return forum_actions.create_thread(
        author or club.moderator, club.community, kind="question", title=title, body=body
    )


def test_a_moderator_features_a_thread_with_an_entry_and_an_event(club, capture_events):
    thread = question(club, author=club.member)
    with capture_events(f"community:{club.community.slug}") as events:
        highlight = actions.feature(club.moderator, thread, note="The pairing guide")
    assert highlight.note == "The pairing guide" and highlight.community == club.community
    (entry,) = entries("highlight.added")
    assert entry.actor == club.moderator and entry.target_user_id == club.member.pk
    assert entry.object_id == highlight.pk and entry.object_type == "highlight"
    assert entry.data == {
        "reason": "The pairing guide",
        "after": {"thread": thread.pk, "post": None, "note": "The pairing guide", "position": 0},
    }
    changed = [e for e in events if e.get("event") == "highlight.changed"]
    assert len(changed) == 1
    assert changed[0]["data"] == {
        "community": club.community.slug,
        "action": "added",
        "highlight": highlight.pk,
        "thread": thread.pk,
    }


def test_removing_a_highlight_is_an_entry_and_an_event(club, capture_events):
    thread = question(club)
    highlight = actions.feature(club.moderator, thread, note="Read this")
    with capture_events(f"community:{club.community.slug}") as events:
        actions.unfeature(club.moderator, highlight, reason="Outdated")
    assert not Highlight.objects.exists()
    (entry,) = entries("highlight.removed")
    assert entry.data == {
        "reason": "Outdated",
        "before": {"thread": thread.pk, "post": None, "note": "Read this", "position": 0},
    }
    assert [e["data"]["action"] for e in events if e.get("event") == "highlight.changed"] == [
        "removed"
    ]
    with pytest.raises(Conflict):
        actions.unfeature(club.moderator, highlight)


def test_a_rolled_back_feature_publishes_nothing(club, capture_events):
    thread = question(club)
    with (
        capture_events(f"community:{club.community.slug}") as events,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.feature(club.moderator, thread, note="Soon gone")
        raise RuntimeError
    assert not [e for e in events if e.get("event") == "highlight.changed"]
    assert not Highlight.objects.exists() and not entries("highlight.added")


def test_a_post_can_be_featured_once_and_the_thread_once(club):
    thread = question(club)
    answer = forum_actions.reply(club.moderator, thread, body="Hold the button 5 s.")
    actions.feature(club.moderator, thread, post=answer, note="The trick")
    actions.feature(club.moderator, thread, note="The thread")
    with pytest.raises(Conflict, match="already featured"):
        actions.feature(club.moderator, thread, post=answer, note="Again")
    with pytest.raises(Conflict, match="already featured"):
        actions.feature(club.moderator, thread, note="Again")


def test_a_note_is_required_short_and_single_line(club):
    thread = question(club)
    from django.core.exceptions import ValidationError

    for note in ("", "   ", "x" * 141, "two\nlines"):
        with pytest.raises(ValidationError):
            actions.feature(club.moderator, thread, note=note)
    assert not Highlight.objects.exists()


def test_scope_members_outsiders_and_other_moderators_are_refused(
    club, make_community, make_user, add_member, staff
):
    thread = question(club)
    other = make_community("other")
    foreign_moderator = make_user()
    add_member(other, foreign_moderator, role="moderator")
    for actor in (club.member, club.outsider, foreign_moderator):
        with pytest.raises(Forbidden):
            actions.feature(actor, thread, note="Mine")
    assert actions.feature(staff, thread, note="Staff may")  # staff everywhere
    highlight = Highlight.objects.get()
    with pytest.raises(Forbidden):
        actions.unfeature(foreign_moderator, highlight)
    assert not entries("highlight.removed")


def test_a_hidden_thread_cannot_be_featured_and_drops_out(club):
    thread = question(club)
    actions.feature(club.moderator, thread, note="Good")
    forum_actions.hide_thread(club.moderator, thread, reason="Spam after all")
    assert queries.community_highlights(club.community) == []
    other = question(club, title="Another")
    forum_actions.hide_thread(club.moderator, other, reason="Spam")
    other.refresh_from_db()
    with pytest.raises(Conflict, match="published"):
        actions.feature(club.moderator, other, note="No")


def test_at_most_ten_per_community(club):
    for i in range(actions.MAX_HIGHLIGHTS):
        actions.feature(club.moderator, question(club, title=f"T{i}"), note=f"n{i}")
    with pytest.raises(Conflict, match="remove one first"):
        actions.feature(club.moderator, question(club, title="One too many"), note="n")


def test_order_position_then_newest(club):
    first = actions.feature(club.moderator, question(club, title="First"), note="a")
    second = actions.feature(club.moderator, question(club, title="Second"), note="b")
    pinned = actions.feature(club.moderator, question(club, title="Top"), note="c", position=-1)
    last = actions.feature(club.moderator, question(club, title="Last"), note="d", position=5)
    order = [h.pk for h in queries.community_highlights(club.community)]
    assert order == [pinned.pk, second.pk, first.pk, last.pk]


def test_highlights_show_first_on_the_community_page(client, club):
    thread = question(club, title="Featured pairing guide")
    question(club, title="Ordinary chat")
    actions.feature(club.moderator, thread, note="Start here")
    page = client.get(club.community.get_absolute_url()).content.decode()
    assert "Start here" in page
    assert page.index("Start here") < page.index('class="thread-list"')


def _home_highlight_setup(club, make_community, add_member, rows):
    secret = make_community("secret", visibility="private")
    add_member(secret, club.moderator, role="moderator")
    hidden_thread = forum_actions.create_thread(
        club.moderator, secret, kind="discussion", title="Secret launch", body="b"
    )
    actions.feature(club.moderator, hidden_thread, note="Members only")
    for i in range(rows):
        actions.feature(club.moderator, question(club, title=f"Guide {i}"), note=f"Guide note {i}")


@pytest.mark.parametrize("rows", [1, 5])
def test_home_page_shows_readable_highlights_in_one_query(
    client, club, make_community, add_member, rows
):
    _home_highlight_setup(club, make_community, add_member, rows)
    theme.current()
    client.get("/")
    with CaptureQueriesContext(connection) as anonymous:
        page = client.get("/").content.decode()
    assert page.count('class="highlight"') == rows
    assert "Secret launch" not in page and "Members only" not in page
    highlight_queries = [q for q in anonymous if "highlight" in q["sql"]]
    assert len(highlight_queries) == 1, [q["sql"] for q in anonymous]
    # A member of the private community reads its highlight too.
    client.force_login(club.moderator)
    client.get("/")
    with CaptureQueriesContext(connection) as member:
        page = client.get("/").content.decode()
    assert "Secret launch" in page
    assert len([q for q in member if "highlight" in q["sql"]]) == 1


@pytest.mark.parametrize("rows", [1, 6])
def test_community_page_highlights_cost_one_query(client, club, rows):
    for i in range(rows):
        actions.feature(club.moderator, question(club, title=f"Guide {i}"), note=f"note {i}")
    theme.current()
    client.get(club.community.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        page = client.get(club.community.get_absolute_url()).content.decode()
    assert page.count('class="highlight"') == rows
    assert len([q for q in captured if "highlight" in q["sql"]]) == 1


def test_highlights_page_for_moderators_only(client, club):
    actions.feature(club.moderator, question(club), note="Pairing")
    client.force_login(club.member)
    assert client.get("/c/club/moderation/highlights/").status_code == 403
    client.force_login(club.moderator)
    page = client.get("/c/club/moderation/highlights/").content.decode()
    assert "Pairing" in page and "Tags" not in page.split("moderation-tabs")[1][:600]


def test_feature_and_remove_from_the_pages(client, club):
    thread = question(club)
    client.force_login(club.moderator)
    response = client.post(f"/c/club/moderation/feature/{thread.pk}/", {"note": "Via the page"})
    assert response.status_code == 302
    highlight = Highlight.objects.get()
    assert highlight.note == "Via the page"
    page = client.get(thread.get_absolute_url(), follow=True).content.decode()
    assert "Featured" in page
    client.post(f"/c/club/moderation/highlights/{highlight.pk}/remove/", {"reason": "Done"})
    assert not Highlight.objects.exists()
    # A refusal comes back as a message, not an error page.
    client.force_login(club.member)
    response = client.post(f"/c/club/moderation/feature/{thread.pk}/", {"note": "x"})
    assert response.status_code == 403 or not Highlight.objects.exists()


def test_api_lists_adds_and_removes(client, club, make_user):
    thread = question(club)
    client.force_login(club.moderator)
    response = client.post(
        "/api/v1/communities/club/highlights",
        {"thread": thread.pk, "note": "API note"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    highlight_id = response.json()["id"]
    assert response.json()["url"].endswith(f"/t/{thread.pk}/")
    client.logout()
    items = client.get("/api/v1/communities/club/highlights").json()["items"]
    assert [i["note"] for i in items] == ["API note"]
    client.force_login(club.member)
    response = client.delete(f"/api/v1/communities/club/highlights/{highlight_id}")
    assert response.status_code == 403 and response.json()["code"]
    client.force_login(club.moderator)
    assert client.delete(f"/api/v1/communities/club/highlights/{highlight_id}").status_code == 204
    assert client.delete(f"/api/v1/communities/club/highlights/{highlight_id}").status_code == 404


def test_api_hidden_community_answers_as_missing(client, make_community, make_user, add_member):
    hidden = make_community("vault", visibility="hidden", join_policy="invite")
    client.force_login(make_user())
    for path in ("/api/v1/communities/vault/highlights", "/api/v1/communities/nowhere/highlights"):
        response = client.get(path)
        assert response.status_code == 404
    missing = client.get("/api/v1/communities/nowhere/highlights").json()
    assert client.get("/api/v1/communities/vault/highlights").json() == missing
    assert hidden.slug == "vault"

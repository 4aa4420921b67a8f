"""Tags: the managers' list, moderators tagging threads, the filter on page and API."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import theme
from community.errors import Conflict, Forbidden
from forums import actions as forum_actions
from forums.models import Tag
from forums.moderation.curation import actions
from tests.moderation.curation_helpers import entries, make_club

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(make_community, make_user, add_member):
    return make_club(make_community, make_user, add_member)


def thread(club, title="Battery drains", author=None):
    # By the moderator unless said otherwise: members' posting rate is limited.
    return forum_actions.create_thread(
        author or club.moderator, club.community, kind="question", title=title, body="Help"
    )


def test_managers_create_rename_and_delete_tags_with_entries(club):
    tag = actions.create_tag(club.manager, club.community, name="Battery life")
    assert (tag.slug, tag.name, tag.position) == ("battery-life", "Battery life", 1)
    assert actions.create_tag(club.manager, club.community, name="Audio").position == 2
    (created, _audio) = entries("tag.created")
    assert created.data == {"after": {"slug": "battery-life", "name": "Battery life"}}
    assert created.actor == club.manager and created.object_id == tag.pk

    actions.rename_tag(club.manager, tag, name="Battery")
    tag.refresh_from_db()
    assert (tag.slug, tag.name) == ("battery-life", "Battery")  # the address stays
    (renamed,) = entries("tag.renamed")
    assert renamed.data == {"before": {"name": "Battery life"}, "after": {"name": "Battery"}}
    actions.rename_tag(club.manager, tag, name="Battery")  # no change, no entry
    assert len(entries("tag.renamed")) == 1

    tagged = thread(club)
    actions.set_tags(club.moderator, tagged, [tag])
    assert actions.delete_tag(club.manager, tag, reason="Merged into Power") == 1
    (deleted,) = entries("tag.deleted")
    assert deleted.data == {
        "before": {"slug": "battery-life", "name": "Battery"},
        "threads": 1,
        "reason": "Merged into Power",
    }
    assert not tagged.tags.exists()


def test_tag_refusals(club, make_community, make_user, add_member):
    actions.create_tag(club.manager, club.community, name="Audio")
    with pytest.raises(Conflict):
        actions.create_tag(club.manager, club.community, name="audio")
    with pytest.raises(Conflict):
        actions.create_tag(club.manager, club.community, name="Sound", slug="audio")
    with pytest.raises(ValidationError):
        actions.create_tag(club.manager, club.community, name="   ")
    with pytest.raises(ValidationError):
        actions.create_tag(club.manager, club.community, name="!!!")  # no address
    # Moderators curate but do not keep the list; nor do managers of another community.
    other = make_community("other")
    foreign = make_user()
    add_member(other, foreign, role="manager")
    for actor in (club.moderator, club.member, foreign):
        with pytest.raises(Forbidden):
            actions.create_tag(actor, club.community, name="Nope")
    assert Tag.objects.count() == 1


def test_moderators_set_a_threads_tags_with_before_and_after(club, make_community):
    audio = actions.create_tag(club.manager, club.community, name="Audio")
    battery = actions.create_tag(club.manager, club.community, name="Battery")
    tagged = thread(club, author=club.member)
    assert actions.set_tags(club.moderator, tagged, ["audio"]) == ["audio"]
    assert actions.set_tags(club.moderator, tagged, [battery, audio]) == ["audio", "battery"]
    actions.set_tags(club.moderator, tagged, [battery, audio])  # the same: no entry
    first, second = entries("thread.tagged")
    assert first.data == {"before": [], "after": ["audio"]}
    assert second.data == {"before": ["audio"], "after": ["audio", "battery"]}
    assert second.target_user_id == club.member.pk and second.object_id == tagged.pk
    with pytest.raises(Forbidden):
        actions.set_tags(club.member, tagged, [])
    # A tag of another community is no tag here.
    other = make_community("other")
    actions.create_tag(club.manager.__class__.objects.get(is_staff=True), other, name="Foreign")
    with pytest.raises(ValidationError):
        actions.set_tags(club.moderator, tagged, ["foreign"])
    assert sorted(tagged.tags.values_list("slug", flat=True)) == ["audio", "battery"]


def test_the_tags_page_for_managers_only(client, club):
    client.force_login(club.moderator)
    assert client.get("/c/club/moderation/tags/").status_code == 403
    client.force_login(club.manager)
    response = client.post("/c/club/moderation/tags/", {"name": "Firmware"})
    assert response.status_code == 302
    tag = Tag.objects.get()
    page = client.get("/c/club/moderation/tags/").content.decode()
    assert "Firmware" in page and "?tag=firmware" in page
    client.post(f"/c/club/moderation/tags/{tag.pk}/rename/", {"name": "Updates"})
    tag.refresh_from_db()
    assert tag.name == "Updates"
    page = client.post("/c/club/moderation/tags/", {"name": "updates"}, follow=True)
    assert "already has a tag" in page.content.decode()
    client.post(f"/c/club/moderation/tags/{tag.pk}/delete/")
    assert not Tag.objects.exists()


def test_the_thread_page_form_sets_tags(client, club):
    actions.create_tag(club.manager, club.community, name="Audio")
    tagged = thread(club)
    client.force_login(club.moderator)
    client.post(f"/c/club/moderation/thread-tags/{tagged.pk}/", {"tags": ["audio"]})
    assert list(tagged.tags.values_list("slug", flat=True)) == ["audio"]
    client.force_login(club.member)
    client.post(f"/c/club/moderation/thread-tags/{tagged.pk}/", {"tags": []})
    assert tagged.tags.count() == 1  # refused


def _tagged_threads(club, rows):
    audio = actions.create_tag(club.manager, club.community, name="Audio")
    actions.create_tag(club.manager, club.community, name="Battery")
    for i in range(rows):
        actions.set_tags(club.moderator, thread(club, title=f"Tagged {i}"), [audio])
        thread(club, title=f"Untagged {i}")
    return audio


@pytest.mark.parametrize("rows", [1, 7])
def test_the_community_page_filters_by_tag_at_a_constant_cost(client, club, rows):
    _tagged_threads(club, rows)
    client.force_login(club.member)
    theme.current()
    url = club.community.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as all_threads:
        page = client.get(url).content.decode()
    assert page.count('class="tag tag-topic"') == rows  # each tagged row shows its tag
    with CaptureQueriesContext(connection) as filtered:
        page = client.get(url + "?tag=audio").content.decode()
    assert page.count("Tagged ") == rows and "Untagged" not in page
    assert '<option value="audio" selected>' in page
    # The tag menu and the rows' tags: one query; the filter: one more (the tag).
    assert len(filtered) == len(all_threads) + 1, [q["sql"] for q in filtered]
    QUERY_COUNTS.setdefault("page", set()).add(len(filtered))
    page = client.get(url + "?tag=nosuch").content.decode()
    assert "Untagged 0" in page  # an unknown tag filters nothing


QUERY_COUNTS = {}


@pytest.mark.parametrize("rows", [1, 7])
def test_the_api_filters_by_tag_at_a_constant_cost(client, club, rows):
    _tagged_threads(club, rows)
    client.force_login(club.member)
    client.get("/api/v1/communities/club/threads?tag=audio")
    with CaptureQueriesContext(connection) as captured:
        items = client.get("/api/v1/communities/club/threads?tag=audio").json()["items"]
    assert len(items) == rows and all(i["title"].startswith("Tagged") for i in items)
    QUERY_COUNTS.setdefault("api", set()).add(len(captured))
    assert len(QUERY_COUNTS["api"]) == 1, QUERY_COUNTS
    response = client.get("/api/v1/communities/club/threads?tag=nosuch")
    assert response.status_code == 422 and response.json()["code"]


def test_the_tags_endpoint(client, club, make_community, make_user):
    actions.create_tag(club.manager, club.community, name="Audio")
    actions.create_tag(club.manager, club.community, name="Battery")
    items = client.get("/api/v1/communities/club/tags").json()["items"]
    assert [(i["slug"], i["position"]) for i in items] == [("audio", 1), ("battery", 2)]
    make_community("private", visibility="private")
    client.force_login(make_user())
    response = client.get("/api/v1/communities/private/tags")
    assert response.status_code == 403 and response.json()["code"] == "not_a_member"


def test_put_thread_tags_api(client, club):
    actions.create_tag(club.manager, club.community, name="Audio")
    tagged = thread(club)
    client.force_login(club.member)
    response = client.put(
        f"/api/v1/threads/{tagged.pk}/tags", {"tags": ["audio"]}, content_type="application/json"
    )
    assert response.status_code == 403
    client.force_login(club.moderator)
    response = client.put(
        f"/api/v1/threads/{tagged.pk}/tags", {"tags": ["audio"]}, content_type="application/json"
    )
    assert response.json() == {"thread": tagged.pk, "tags": ["audio"]}
    response = client.put(
        f"/api/v1/threads/{tagged.pk}/tags", {"tags": ["nope"]}, content_type="application/json"
    )
    assert response.status_code == 422


def test_the_thread_page_shows_tags_to_all_and_the_form_to_moderators(client, club):
    audio = actions.create_tag(club.manager, club.community, name="Audio")
    actions.create_tag(club.manager, club.community, name="Battery")
    tagged = thread(club, title="Speaker crackles")
    actions.set_tags(club.moderator, tagged, [audio])
    page = client.get(tagged.get_absolute_url()).content.decode()
    assert 'href="/c/club/?tag=audio"' in page and "Battery" not in page
    assert "data-tags-form" not in page and "data-feature-form" not in page
    client.force_login(club.moderator)
    page = client.get(tagged.get_absolute_url()).content.decode()
    assert "data-tags-form" in page and "data-feature-form" in page
    assert 'value="audio" checked' in page and 'value="battery">' in page


def test_an_empty_list_still_offers_the_tag_menu(client, club):
    actions.create_tag(club.manager, club.community, name="Audio")
    page = client.get(club.community.get_absolute_url()).content.decode()
    assert '<option value="audio">Audio</option>' in page
    page = client.get(club.community.get_absolute_url() + "?tag=audio").content.decode()
    assert "No conversations tagged “Audio”." in page

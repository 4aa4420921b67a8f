"""Page slots: other apps add HTML to community's pages; a failing one fails nothing."""

import pytest
from django.utils.html import format_html

from community import slots


@pytest.fixture
def profile_section():
    def render(request, member):
        viewer = request.user.username if request.user.is_authenticated else "anonymous"
        return format_html("<section data-extra>{} seen by {}</section>", member.username, viewer)

    slots.register("profile", render)
    yield render
    slots.unregister("profile", render)


@pytest.mark.django_db
def test_a_registered_section_shows_on_the_profile(client, make_user, profile_section):
    make_user(username="bob")
    html = client.get("/u/bob/").content.decode()
    assert "<section data-extra>bob seen by anonymous</section>" in html


@pytest.mark.django_db
def test_a_failing_renderer_is_logged_and_the_page_stands(client, make_community, caplog):
    def broken(request, community):
        raise RuntimeError("a leaderboard query crashed")

    community = make_community("fans")
    slots.register("community_links", broken)
    try:
        response = client.get(community.get_absolute_url())
    finally:
        slots.unregister("community_links", broken)
    assert response.status_code == 200
    assert "Page slot 'community_links'" in caplog.text


def test_an_unknown_place_is_refused():
    with pytest.raises(ValueError, match="Unknown page slot"):
        slots.register("sidebar", lambda request: "")


@pytest.mark.django_db
def test_a_renderer_that_returns_plain_text_is_escaped(client, make_user):
    def careless(request, member):
        return f"<b>{member.username}</b>"

    make_user(username="bob")
    slots.register("profile", careless)
    try:
        html = client.get("/u/bob/").content.decode()
    finally:
        slots.unregister("profile", careless)
    assert "&lt;b&gt;bob&lt;/b&gt;" in html and "<b>bob</b>" not in html

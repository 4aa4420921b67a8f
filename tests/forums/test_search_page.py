"""The search page (/search/) and the header's search box: same privacy as the API."""

import re

import pytest
from django.urls import reverse

from forums import actions, search
from forums.search_views import PAGE_SIZE

pytestmark = pytest.mark.postgres_too

URL = "/search/"


@pytest.fixture
def forum(make_community, make_user, add_member):
    public = make_community("velos", visibility="public", join_policy="open", name="Vélos")
    hidden = make_community("secret", visibility="hidden", join_policy="invite", name="Secret")
    private = make_community("atelier", visibility="private", join_policy="request")
    member, insider = make_user(), make_user()
    add_member(public, member)
    add_member(hidden, insider)
    add_member(private, insider)
    return {
        "public": public,
        "hidden": hidden,
        "private": private,
        "member": member,
        "insider": insider,
    }


def thread(author, community, title, body, kind="discussion"):
    return actions.create_thread(author, community, kind=kind, title=title, body=body)


def results(response):
    """The result titles' text, in order (the page's <ol> of hits)."""
    html = response.content.decode()
    block = re.search(r'<ol class="thread-list search-results">(.*?)</ol>', html, re.S)
    if block is None:
        return []
    titles = re.findall(r'class="thread-title"[^>]*>(.*?)</a>', block[1], re.S)
    return [re.sub(r"<[^>]+>", "", title) for title in titles]


def test_the_url_is_named():
    assert reverse("search") == URL


@pytest.mark.django_db
def test_every_page_has_a_labelled_search_box_in_the_header(client):
    html = client.get("/").content.decode()
    form = re.search(r'<form role="search" action="/search/"[^>]*>(.*?)</form>', html, re.S)
    assert form is not None
    assert 'name="q"' in form[1]
    assert re.search(r'<label for="header-search-q"[^>]*>[^<]+</label>', form[1])


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["", "   ", '"""', "!!"])
def test_an_empty_query_shows_a_hint_not_an_error(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert "Type one or more words" in response.content.decode()
    assert results(response) == []


@pytest.mark.django_db
def test_results_are_highlighted_and_everything_else_escaped(client, forum):
    thread(
        forum["member"], forum["public"], "Tubeless <i>tyres</i>", "Tubeless <script>x()</script>"
    )
    response = client.get(URL, {"q": "tubeless"})
    html = response.content.decode()
    assert results(response) == ["Tubeless &lt;i&gt;tyres&lt;/i&gt;"]
    assert "<mark>Tubeless</mark> &lt;i&gt;tyres&lt;/i&gt;" in html
    assert "<script>x()" not in html
    snippet = re.search(r'<p class="search-snippet">(.*?)</p>', html, re.S)[1]
    # Only <mark> survives as markup (PostgreSQL's ts_headline drops what looks like a tag).
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0
    assert "<mark>Tubeless</mark>" in snippet
    assert 'href="/c/velos/t/' in html


@pytest.mark.django_db
def test_the_same_privacy_as_the_api(client, forum, make_user):
    thread(forum["member"], forum["public"], "Open gears", "zephyr gears for all")
    thread(forum["insider"], forum["hidden"], "Codename", "zephyr launch in secret")
    thread(forum["insider"], forum["private"], "Workshop", "zephyr in the workshop")
    assert results(client.get(URL, {"q": "zephyr"})) == ["Open gears"]
    # A slug typed by hand finds nothing rather than telling the community exists.
    response = client.get(URL, {"q": "zephyr", "community": "secret"})
    assert results(response) == ["Open gears"]
    assert "Secret" not in response.content.decode()
    client.force_login(make_user())
    assert results(client.get(URL, {"q": "zephyr"})) == ["Open gears"]
    client.force_login(forum["insider"])
    assert set(results(client.get(URL, {"q": "zephyr"}))) == {"Open gears", "Codename", "Workshop"}
    response = client.get(URL, {"q": "zephyr", "community": "secret"})
    assert results(response) == ["Codename"]
    assert re.search(r'<option value="secret" selected>Secret</option>', response.content.decode())


@pytest.mark.django_db
def test_the_community_menu_lists_only_readable_communities(client, forum):
    html = client.get(URL, {"q": "x"}).content.decode()
    options = re.findall(r'<option value="([^"]*)"', html)
    assert "velos" in options
    assert "secret" not in options and "atelier" not in options


@pytest.mark.django_db
def test_the_kind_filter(client, forum):
    thread(forum["member"], forum["public"], "Pedal question", "pedal squeak", kind="question")
    thread(forum["member"], forum["public"], "Pedal idea", "pedal lights", kind="idea")
    assert {hit.thread_title for hit in search.search(forum["member"], "pedal", kind="idea")} == {
        "Pedal idea"
    }
    assert search.search(forum["member"], "pedal", kind="nonsense") == []
    assert results(client.get(URL, {"q": "pedal", "kind": "question"})) == ["Pedal question"]
    assert set(results(client.get(URL, {"q": "pedal", "kind": "bogus"}))) == {
        "Pedal question",
        "Pedal idea",
    }


@pytest.mark.django_db
def test_the_api_takes_the_same_kind_filter(client, forum):
    thread(forum["member"], forum["public"], "Pedal question", "pedal squeak", kind="question")
    thread(forum["member"], forum["public"], "Pedal idea", "pedal lights", kind="idea")
    page = client.get("/api/v1/search", {"q": "pedal", "kind": "idea"}).json()
    assert [item["title"] for item in page["items"]] == ["Pedal idea"]
    assert client.get("/api/v1/search", {"q": "pedal", "kind": "bogus"}).status_code == 422


@pytest.mark.django_db
def test_results_are_paged_and_links_keep_the_filters(client, forum):
    first = thread(forum["member"], forum["public"], "Chain", "waxed chain 0")
    for n in range(1, PAGE_SIZE + 5):
        actions.reply(forum["member"], first, body=f"waxed chain {n}")
    response = client.get(URL, {"q": "waxed", "community": "velos"})
    html = response.content.decode()
    assert len(results(response)) == PAGE_SIZE
    more = re.search(r'<a href="([^"]+)" rel="next">', html)[1].replace("&amp;", "&")
    assert more == f"/search/?q=waxed&community=velos&offset={PAGE_SIZE}"
    assert 'rel="prev"' not in html
    second = client.get(more)
    assert len(results(second)) == 5
    html = second.content.decode()
    assert 'rel="next"' not in html
    assert re.search(r'<a href="/search/\?q=waxed&amp;community=velos" rel="prev">', html)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 4, 12])
def test_the_page_queries_do_not_grow_with_the_results(
    client, forum, size, django_assert_num_queries
):
    client.force_login(forum["member"])
    for n in range(size):
        thread(forum["member"], forum["public"], f"Saddle {n}", f"comfy saddle number {n}")
    client.get(URL, {"q": "saddle"})  # warm the session
    # Session, user, communities, ranking, posts, snippets, titles (+ PostgreSQL's JIT setting
    # runs inside the ranking query's savepoint).
    with django_assert_num_queries(EXPECTED_QUERIES[client_vendor()]) as captured:
        response = client.get(URL, {"q": "saddle"})
    assert len(results(response)) == size, captured


def client_vendor():
    from django.db import connection

    return connection.vendor


EXPECTED_QUERIES = {"sqlite": 8, "postgresql": 11}

"""The content home, content search, the RSS and Atom feeds and the sitemap."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HOME = "/content/"


def body(text):
    return [{"type": "text", "value": f"<p>{text}</p>"}]


@pytest.fixture
def club(make_community):
    return make_community("fans", name="Fans' club")


@pytest.fixture
def secret(make_community):
    return make_community("secret", visibility="hidden")


def test_the_home_lists_what_one_may_read_and_teasers(client, make_page, make_user, club, secret):
    make_page("article", title="Open news", audience="everyone", body=body("OPEN-BODY"))
    make_page("offer", title="Club offer", audience="chosen", rules=[("community", club)])
    make_page("event", title="Hidden event", audience="chosen", rules=[("community", secret)])
    client.force_login(make_user())
    response = client.get(HOME)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Open news" in html and "Club offer" in html
    assert "Join Fans" in html  # the hint of the teaser
    assert "Hidden event" not in html
    assert "OPEN-BODY" not in html  # a listing shows teasers, never bodies
    assert "no-store" in response["Cache-Control"]


def test_the_home_filters_by_kind(client, make_page):
    make_page("article", title="An article", audience="everyone")
    make_page("offer", title="An offer", audience="everyone")
    html = client.get(HOME, {"type": "offer"}).content.decode()
    assert "An offer" in html and "An article" not in html
    # An unknown kind is no filter, not an error.
    html = client.get(HOME, {"type": "nonsense"}).content.decode()
    assert "An offer" in html and "An article" in html


def test_the_home_is_paginated(client, make_page):
    from cms.surfaces import queries

    for number in range(queries.PER_PAGE + 1):
        make_page("article", title=f"Item {number:02d}", audience="everyone")
    first = client.get(HOME).content.decode()
    second = client.get(HOME, {"page": 2}).content.decode()
    assert "Item 20" in first and "Item 00" not in first
    assert "Item 00" in second
    assert client.get(HOME, {"page": "junk"}).status_code == 200


@pytest.mark.parametrize("count", [2, 30])
def test_the_home_reads_a_fixed_number_of_queries(
    client, make_page, make_user, club, secret, count, django_assert_max_num_queries
):
    member = make_user()
    for number in range(count):
        # Rules about a public and a hidden community: the teaser's "may they know of
        # it" is answered from the viewer's facts, not a query per page.
        rules = [("community", club), ("community", secret)] if number % 2 else []
        make_page(
            "article",
            title=f"Page {number}",
            audience="chosen" if rules else "members",
            rules=rules,
        )
    client.force_login(member)
    client.get(HOME)  # warm the caches of Wagtail's site root and content types
    # Session, site, home, its route, Wagtail's restrictions, the pages, their rules,
    # the user, the viewer's facts (three kinds), the header's notifications: 12,
    # whatever the number of pages.
    with django_assert_max_num_queries(12):
        response = client.get(HOME)
    assert response.status_code == 200


def test_search_finds_bodies_only_of_what_one_may_read(client, make_page, make_user, club):
    make_page(
        "article",
        title="Club article",
        audience="chosen",
        rules=[("community", club)],
        body=body("pineapple"),
        teaser="About bicycles",
    )
    make_page("article", title="Open article", audience="everyone", body=body("pineapple"))
    url = reverse("content_search")
    outsider = make_user()
    client.force_login(outsider)
    html = client.get(url, {"q": "pineapple"}).content.decode()
    assert "Open article" in html and "Club article" not in html
    # The teaser of a page one may be teased with is found on its title and teaser.
    html = client.get(url, {"q": "bicycles"}).content.decode()
    assert "Club article" in html
    response = client.get(url, {"q": "pineapple"})
    assert "no-store" in response["Cache-Control"]


def test_search_finds_the_body_for_the_audience(client, make_page, make_user, club, add_member):
    make_page(
        "article",
        title="Club article",
        audience="chosen",
        rules=[("community", club)],
        body=body("pineapple"),
    )
    member = make_user()
    add_member(club, member)
    client.force_login(member)
    html = client.get(reverse("content_search"), {"q": "pineapple"}).content.decode()
    assert "Club article" in html


def test_search_without_words_lists_nothing(client):
    response = client.get(reverse("content_search"))
    assert response.status_code == 200
    assert "Type one or more words" in response.content.decode()


@pytest.mark.parametrize("name", ["content_rss", "content_atom"])
def test_feeds_list_only_content_for_everyone_without_bodies(client, make_page, name):
    make_page("article", title="Open news", audience="everyone", body=body("OPEN-BODY"))
    make_page("article", title="Members news", audience="members", body=body("SECRET"))
    response = client.get(reverse(name))
    xml = response.content.decode()
    assert response.status_code == 200
    assert "Open news" in xml and "Teaser of Open news" in xml
    assert "Members news" not in xml and "SECRET" not in xml and "OPEN-BODY" not in xml
    assert "/content/open-news/</" in xml


def test_the_sitemap_lists_the_home_and_content_for_everyone(client, make_page):
    make_page("article", title="Open news", audience="everyone")
    make_page("article", title="Members news", audience="members")
    response = client.get("/sitemap.xml")
    xml = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert "/content/open-news/" in xml
    assert "/content/</loc>" in xml
    assert "members-news" not in xml


def test_the_site_menu_has_a_content_item(client, make_user):
    client.force_login(make_user())
    html = client.get("/").content.decode()
    assert '<a href="/content/">Content</a>' in html


@pytest.mark.parametrize("q", ['"', 'x"y', "(", "a*", "NEAR(", "-", "'"])
def test_search_with_the_engines_syntax_characters_answers(client, make_page, q):
    make_page("article", title="Open news", audience="everyone", body=body("OPEN-BODY"))
    response = client.get("/content/search/", {"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/content/search/?q=news", "/content/feed/rss/", "/content/feed/atom/", "/sitemap.xml"],
)
def test_search_feeds_and_sitemap_do_not_grow_with_the_pages(client, make_page, club, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def pages(start, stop):
        for number in range(start, stop):
            everyone = number % 2 == 0
            make_page(
                "article",
                title=f"News {number}",
                audience="everyone" if everyone else "chosen",
                rules=[] if everyone else [("community", club)],
            )

    pages(0, 2)
    client.get(url)  # warm the caches of Wagtail's site root and content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    pages(2, 20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many]

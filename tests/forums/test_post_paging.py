"""A thread's pages of posts: keyed on the post number, whatever the cursor says.

The cursor of ``?after=`` (page and API) is a post id, the public contract; the
page itself must be a range of the (thread, number) index, so that page 2 of a
long thread costs what page 1 costs (bench/post_pages.py measures it at scale).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums import actions
from tests.forums.test_api import call

PER_PAGE = 50  # forums.views.POSTS_PER_PAGE


@pytest.fixture
def forum(make_community, make_user, add_member):
    community = make_community("long", visibility="public", join_policy="open")
    author, reader = make_user(), make_user()
    add_member(community, author)
    add_member(community, reader)
    other = actions.create_thread(author, community, kind="discussion", title="Other", body="o")
    return {"community": community, "author": author, "reader": reader, "other": other}


def long_thread(forum, replies):
    thread = actions.create_thread(
        forum["author"], forum["community"], kind="discussion", title="Long", body="first"
    )
    for i in range(replies):
        actions.reply(forum["reader"] if i % 2 else forum["author"], thread, body=f"reply {i}")
        if i % 7 == 0:
            # Interleave another thread's posts, so that ids and numbers differ.
            actions.reply(forum["reader"], forum["other"], body=f"elsewhere {i}")
    return thread


def post_queries(captured):
    """The page's query: the posts, in order, up to a limit."""
    return [
        q["sql"]
        for q in captured
        if q["sql"].startswith('SELECT "forums_post"') and re.search(r"ORDER BY .* LIMIT", q["sql"])
    ]


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize("surface", ["page", "api"])
def test_page_two_is_keyed_on_the_post_number(client, forum, surface):
    thread = long_thread(forum, 60)
    fiftieth = thread.posts.get(number=50)
    with CaptureQueriesContext(connection) as captured:
        if surface == "page":
            response = client.get(f"{thread.get_absolute_url()}?after={fiftieth.pk}")
            numbers = [p["number"] for p in response.context["posts"]]
        else:
            _response, page = call(client, "get", f"/threads/{thread.pk}/posts?after={fiftieth.pk}")
            numbers = [p["number"] for p in page["items"]]
    assert numbers == list(range(51, 62))
    (sql,) = post_queries(captured)
    # The cursor's id is translated to its number inside the statement, and the page is a
    # range on the number: never "id > cursor" sorted by number.
    assert re.search(r'"forums_post"\."number" > \(SELECT', sql), sql
    assert not re.search(r'"forums_post"\."id" > ', sql), sql
    if connection.vendor == "sqlite":
        plan = explain(sql)
        assert "TEMP B-TREE" not in plan, plan
        assert re.search(r"USING INDEX \S+ \(thread_id=\? AND number>\?\)", plan), plan


@pytest.mark.django_db
def test_walking_every_page_shows_each_post_once_in_order(client, forum):
    thread = long_thread(forum, 130)
    gap = thread.posts.get(number=51)  # deleted at a page's edge: its placeholder stays
    actions.delete_post(gap.author, gap)
    seen, url, pages = [], thread.get_absolute_url(), 0
    while url:
        response = client.get(url)
        seen += [p["number"] for p in response.context["posts"]]
        after = response.context["next_after"]
        url = f"{thread.get_absolute_url()}?after={after}" if after else None
        pages += 1
    assert seen == list(range(1, 132)) and pages == 3
    # The API, with the ids it hands out as cursors.
    seen, cursor = [], None
    while True:
        path = f"/threads/{thread.pk}/posts?limit=40" + (f"&after={cursor}" if cursor else "")
        _response, page = call(client, "get", path)
        seen += [p["number"] for p in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
        assert cursor == page["items"][-1]["id"]  # still a post id
    assert seen == list(range(1, 132))


@pytest.mark.django_db
def test_a_cursor_that_names_no_post_of_the_thread(client, forum):
    thread = long_thread(forum, 3)
    elsewhere = forum["other"].posts.order_by("-number").first()
    for after in (elsewhere.pk, 2**63 - 1):
        response = client.get(f"{thread.get_absolute_url()}?after={after}")
        assert response.status_code == 200 and response.context["posts"] == []
    for after in (2**63, 2**70, -4, "x"):  # out of range: never sent to the database
        assert client.get(f"{thread.get_absolute_url()}?after={after}").status_code == 200
    response, page = call(client, "get", f"/threads/{thread.pk}/posts?after={elsewhere.pk}")
    assert response.status_code == 200 and page["items"] == []
    # Past the largest 64-bit id: refused by the schema, never sent to the database.
    response, page = call(client, "get", f"/threads/{thread.pk}/posts?after={2**63}")
    assert response.status_code == 422
    # 0, or nothing, is the start.
    _response, page = call(client, "get", f"/threads/{thread.pk}/posts?after=0")
    assert [p["number"] for p in page["items"]] == [1, 2, 3, 4]


@pytest.mark.django_db
@pytest.mark.parametrize("replies", [60, 160])
def test_any_page_costs_the_queries_of_the_first(client, forum, replies):
    thread = long_thread(forum, replies)
    client.force_login(forum["reader"])
    client.get(thread.get_absolute_url())  # the session, the read marker
    last_page_start = thread.posts.get(number=(replies // PER_PAGE) * PER_PAGE).pk
    counts = []
    second_page_start = thread.posts.get(number=PER_PAGE).pk
    for after in ("", f"?after={second_page_start}", f"?after={last_page_start}"):
        client.get(thread.get_absolute_url() + after)  # its read marker written
        with CaptureQueriesContext(connection) as captured:
            assert client.get(thread.get_absolute_url() + after).status_code == 200
        counts.append(len(captured))
    assert counts == [counts[0]] * 3, counts
    api = []
    for after in ("", f"&after={last_page_start}"):
        with CaptureQueriesContext(connection) as captured:
            call(client, "get", f"/threads/{thread.pk}/posts?limit=50{after}")
        api.append(len(captured))
    assert api == [api[0]] * 2, api


@pytest.mark.django_db
def test_first_unread_and_see_them_links_still_open_the_right_page(client, forum):
    thread = long_thread(forum, 70)
    client.force_login(forum["reader"])
    client.get(f"{thread.get_absolute_url()}?after={thread.posts.get(number=10).pk}")
    page = client.get(thread.get_absolute_url())  # the first page: #1 to #50, read to #60
    link = page.context["first_unread_url"]
    assert link == f"{thread.get_absolute_url()}?after={thread.posts.get(number=60).pk}#post-61"
    landed = client.get(link.split("#")[0])
    assert landed.context["posts"][0]["number"] == 61
    # "See them" under a first page goes to the next page, the posts after this one.
    html = page.content.decode()
    fiftieth = thread.posts.get(number=50).pk
    assert f'href="?after={fiftieth}">' in html

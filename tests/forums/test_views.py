"""The forum pages: community home with threads, thread page, writing, and their query counts."""

import re

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community import actions as community_actions
from community import theme as brand_theme
from forums import actions
from forums.models import Post, Thread
from forums.moderation.curation.queries import has_tags


@pytest.fixture
def forum(make_community, make_user, add_member):
    ideas = make_community("ideas", visibility="public", join_policy="open", kind="ideas")
    member, other = make_user(), make_user()
    add_member(ideas, member)
    add_member(ideas, other)
    return {"community": ideas, "member": member, "other": other}


@pytest.mark.django_db
def test_new_thread_and_reply_through_the_pages(client, forum):
    client.force_login(forum["member"])
    page = client.get("/c/ideas/new/")
    assert page.status_code == 200
    client_id = page.context["form"].initial["client_id"]
    data = {
        "kind": "question",
        "title": "Saddle height?",
        "body": "How high?",
        "client_id": client_id,
    }
    response = client.post("/c/ideas/new/", data)
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    client.post("/c/ideas/new/", data)  # a double click
    assert Thread.objects.count() == 1
    client.force_login(forum["other"])
    reply = {"body": "Hip height.", "client_id": "r-1"}
    client.post(f"/c/ideas/t/{thread.pk}/reply/", reply)
    client.post(f"/c/ideas/t/{thread.pk}/reply/", reply)
    assert Post.objects.filter(thread=thread).count() == 2
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Hip height." in page and "Saddle height?" in page


@pytest.mark.django_db
def test_bad_input_on_the_pages(client, forum):
    client.force_login(forum["member"])
    response = client.post("/c/ideas/new/", {"kind": "question", "title": "", "body": " "})
    assert response.status_code == 200 and response.context["form"].errors
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="B"
    )
    response = client.post(f"/c/ideas/t/{thread.pk}/reply/", {"body": "   "}, follow=True)
    assert "cannot be empty" in response.content.decode() or "required" in response.content.decode()
    # Another community's address: the thread's own (a moved thread's old links keep working).
    wrong = client.get(f"/c/other/t/{thread.pk}/")
    assert wrong.status_code == 302 and wrong["Location"] == thread.get_absolute_url()
    assert client.post(f"/c/ideas/t/{thread.pk}/explode/").status_code == 404


@pytest.mark.django_db
def test_posts_render_sanitised(client, forum):
    thread = actions.create_thread(
        forum["member"],
        forum["community"],
        kind="discussion",
        title="XSS",
        body="<script>alert(1)</script> [x](javascript:alert(1))",
    )
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;" in page


def render_thread(rf, user, thread):
    """Run the thread view without closing its response (what a reader waits for)."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from forums.views import thread_detail

    request = rf.get(thread.get_absolute_url())
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return thread_detail(request, thread.community.slug, thread.pk)


def close(response):
    """Run the response's closers as a server does once it is sent (as the test client
    does, without closing the test's database connection)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]


@pytest.mark.django_db
@pytest.mark.parametrize("replies", [0, 19, 99])
def test_thread_page_queries_do_not_grow(rf, forum, replies):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="question", title="Q", body="b"
    )
    for i in range(replies):
        post = actions.reply(forum["other"], thread, body=f"answer {i}")
        actions.react(forum["member"], post, kind="helpful")
    if replies:
        actions.accept_answer(forum["member"], thread, post)
    brand_theme.current()  # cached by the first page a process serves (community/theme.py)
    has_tags(thread.community)  # and by the community's first page (curation/queries.py)
    with CaptureQueriesContext(connection) as anonymous:
        assert render_thread(rf, None, thread).status_code == 200
    with CaptureQueriesContext(connection) as member:
        response = render_thread(rf, forum["member"], thread)
    # A real request adds two for the member (session, user): still within 6 and 8 once
    # the first page's counters are cached.
    assert len(anonymous) <= 6 and len(member) + 2 - FIRST_PAGE <= 8
    # The same count whatever the number of posts on the page, and no write while reading.
    assert (len(anonymous), len(member)) == EXPECTED_THREAD_QUERIES, [q["sql"] for q in member]
    assert writes(anonymous) == writes(member) == []
    # The member's read position is written once the response has gone.
    close(response)
    from forums.queries import read_state

    assert read_state(forum["member"], thread) == min(replies + 1, 50)
    # Read again, nothing new: the same queries, and no write even after the response.
    with CaptureQueriesContext(connection) as again:
        close(render_thread(rf, forum["member"], thread))
    assert len(again) == EXPECTED_THREAD_QUERIES[1] - FIRST_PAGE, [q["sql"] for q in again]


@pytest.mark.django_db
def test_jump_to_the_first_unread_post(client, forum):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="b"
    )
    client.force_login(forum["member"])
    client.get(thread.get_absolute_url())  # read #1
    for i in range(60):
        actions.reply(forum["other"], thread, body=f"r{i}")
    page = client.get(thread.get_absolute_url())
    assert page.context["first_unread_url"] == "#post-2"
    client.get(thread.get_absolute_url() + f"?after={thread.posts.get(number=50).pk}")  # to #61
    for i in range(3):
        actions.reply(forum["other"], thread, body=f"later {i}")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(thread.get_absolute_url())  # shows #1 to #50 only
    after = thread.posts.get(number=61).pk
    assert page.context["first_unread_url"] == f"{thread.get_absolute_url()}?after={after}#post-62"
    # Post #61 is not on this page: its id came with the thread, not from a query of its
    # own (session and user, then the page; nothing to write, #61 was read already).
    assert len(queries) == 2 + EXPECTED_THREAD_QUERIES[1] - FIRST_PAGE, [q["sql"] for q in queries]


# (anonymous, member): the thread (with its live stream position), then the page of posts
# with their authors, then one for the member facets of those authors (the badges app's
# level, title, featured badges); a member also costs one query for their membership and
# their state (read position, watch, vote), one for the header's unread notifications
# count, and on their first page one for the menu's unread achievements, one for
# moderation's chrome (unread notices, the two-factor banner) and one for the menu's
# unread content notices (cms) and one for the menu's Figures link (whether they manage a
# community: community.kpis.slots): FIRST_PAGE, cached afterwards. The thread's tags cost
# nothing in a community without tags (cached).
EXPECTED_THREAD_QUERIES = (3, 9)
FIRST_PAGE = 4


@pytest.mark.django_db
def test_reactions_one_form_per_post(client, forum, make_user):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="b"
    )
    reply = actions.reply(forum["other"], thread, body="r")
    actions.react(forum["other"], reply, kind="love")
    actions.react(forum["member"], reply, kind="funny")
    client.force_login(forum["member"])
    page = client.get(thread.get_absolute_url()).content.decode()
    # The blank post that live updates copy (realtime.js) has its own buttons.
    page, live_template = page.split('<template id="live-post-template"')
    assert live_template.count('name="kind" value="love"') == 1
    # One form per post, one submit button per kind of reaction in it (no JavaScript):
    # an icon, the kind's name for screen readers and as a tooltip, and the count.
    assert page.count(f'action="/posts/{reply.pk}/react/"') == 1
    assert page.count('name="kind" value="love"') == 2
    love = re.search(
        r'<button[^>]*value="love"[^>]*>.*?</button>', page.split('id="post-2"')[1]
    ).group()
    assert 'title="Love"' in love and 'aria-pressed="false"' in love
    assert '<span class="visually-hidden">Love</span><span class="count-pill">1</span>' in love
    # The reader's own reaction is pressed; the others are not.
    funny = re.search(r'<button[^>]*value="funny"[^>]*>', page.split('id="post-2"')[1]).group()
    assert 'aria-pressed="true"' in funny
    assert page.split("data-posts>")[1].count('aria-pressed="true"') == 1
    assert page.count(f'href="/posts/{thread.posts.get(number=1).pk}/edit/"') == 1  # mine
    assert f'href="/posts/{reply.pk}/edit/"' not in page  # not mine
    response = client.post(f"/posts/{reply.pk}/react/", {"kind": "like"})
    assert response.status_code == 302 and response["Location"].endswith("#post-2")
    reply.refresh_from_db()
    assert reply.reaction_counts == {"love": 1, "funny": 1, "like": 1}
    # Readers who may not react see the counts that are not zero, and no form; the
    # other kinds are there, hidden, for a live reaction to show (static/js/thread.js).
    client.force_login(make_user())  # not a member of this public community
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "/react/" not in page and 'name="kind"' not in page
    assert (
        '<span class="visually-hidden">Love</span><span class="count-pill">1</span></span>' in page
    )
    posts = page.split("data-posts>")[1].split('<template id="live-post-template"')[0]
    assert 'data-kind="helpful" title="Helpful" hidden>' in posts and "aria-pressed" not in posts
    shown = re.findall(r'<span class="reaction" data-kind="(\w+)" title="[^"]*">', posts)
    assert sorted(shown) == ["funny", "like", "love"]
    client.logout()
    page = client.get(thread.get_absolute_url()).content.decode()
    posts = page.split("data-posts>")[1].split('<template id="live-post-template"')[0]
    assert len(re.findall(r'<span class="reaction" data-kind="\w+" title="[^"]*">', posts)) == 3


@pytest.mark.django_db
def test_a_reaction_toggled_by_a_script_answers_with_json(client, forum, make_user):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="b"
    )
    post = thread.posts.get()
    client.force_login(forum["other"])
    url, json_accept = f"/posts/{post.pk}/react/", {"HTTP_ACCEPT": "application/json"}
    response = client.post(url, {"kind": "love"}, **json_accept)
    assert response.status_code == 200
    assert response.json() == {
        "post": post.pk,
        "kind": "love",
        "reacted": True,
        "reactions": {"love": 1},
    }
    response = client.post(url, {"kind": "love"}, **json_accept)
    assert response.json()["reacted"] is False and response.json()["reactions"] == {}
    bad = client.post(url, {"kind": "angry"}, **json_accept)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    client.force_login(make_user())  # not a member: may read, may not react
    refused = client.post(url, {"kind": "love"}, **json_accept)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


@pytest.mark.django_db
def test_thread_page_membership_comes_with_the_reader_state(
    client, make_community, make_user, add_member
):
    club = make_community("club", visibility="private", join_policy="request", kind="club")
    secret = make_community("secret", visibility="hidden", join_policy="invite", kind="club")
    member, moderator, banned, outsider = (make_user() for _ in range(4))
    add_member(club, member)
    add_member(club, moderator, role="moderator")
    add_member(club, banned, state="banned")
    add_member(secret, member)
    thread = actions.create_thread(member, club, kind="discussion", title="T", body="b")
    hidden = actions.create_thread(member, secret, kind="discussion", title="H", body="b")
    client.force_login(member)
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200 and page.context["can_reply"]
    assert not page.context["can_moderate"]
    assert client.get(hidden.get_absolute_url()).status_code == 200
    client.force_login(moderator)
    assert client.get(thread.get_absolute_url()).context["can_moderate"]
    for reader in (banned, outsider):  # the private community's content is for members
        client.force_login(reader)
        assert client.get(thread.get_absolute_url()).status_code == 403
        assert client.get(hidden.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(thread.get_absolute_url()).status_code == 403
    assert client.get(hidden.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_thread_page_for_a_reader_who_is_not_a_member(client, forum, make_user):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="idea", title="Dark mode", body="Please."
    )
    visitor = make_user()
    client.force_login(visitor)
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200
    context = page.context
    assert not context["can_participate"] and not context["can_reply"]
    assert context["reply_form"] is None and not context["voted"] and not context["watching"]
    content = page.content.decode()
    assert "Please." in content and "Vote for this idea" not in content
    # The same page for the member, who voted and watches (the reader's state query).
    actions.vote(forum["member"], thread)
    actions.watch(forum["member"], thread=thread)
    client.force_login(forum["member"])
    context = client.get(thread.get_absolute_url()).context
    assert context["can_participate"] and context["voted"] and context["watching"]
    assert context["reply_form"] is not None


@pytest.mark.django_db
@pytest.mark.parametrize("threads", [1, 30])
def test_community_home_queries_do_not_grow(client, forum, threads):
    for i in range(threads):
        actions.create_thread(
            forum["other"], forum["community"], kind="idea", title=f"I{i}", body="b"
        )
    client.force_login(forum["member"])
    client.get("/c/ideas/")  # its caches: the header's counters, tags, experts (a minute)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/c/ideas/").status_code == 200
    assert len(queries) == EXPECTED_HOME_QUERIES, [q["sql"] for q in queries]


# The community page's own six, the community stream's last event id (live updates),
# the header's unread notifications count (who posted last comes with the threads), and
# the community's highlights (curation).
EXPECTED_HOME_QUERIES = 9


@pytest.mark.django_db
def test_quote_a_post(client, forum):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="Line one\nLine two"
    )
    first = thread.posts.get()
    client.force_login(forum["other"])
    page = client.get(f"{thread.get_absolute_url()}?quote={first.pk}")
    initial = page.context["reply_form"].initial
    assert initial["reply_to"] == first.pk
    assert initial["body"].startswith(f"@{forum['member'].username} [wrote](#post-1):")
    assert "> Line one\n> Line two" in initial["body"]
    client.post(
        f"/c/ideas/t/{thread.pk}/reply/",
        {"body": initial["body"] + "Indeed.", "reply_to": first.pk, "client_id": "q"},
    )
    reply = thread.posts.get(number=2)
    assert reply.reply_to == first and "<blockquote>" in reply.html
    assert client.get(f"{thread.get_absolute_url()}?quote=nonsense").status_code == 200


def badges(page):
    """The role badge of each post's author on a thread page, by post number (without what
    other apps add after it: community.facets)."""
    return {
        number: re.sub(r'<span class="author-standing">.*$', "", line, flags=re.S)
        for number, line in re.findall(
            r'<article class="post[^"]*" id="post-(\d+)".*?'
            r'<span class="post-badges" data-author-badges[^>]*>(.*?)</span>\s*<span class="meta">',
            page,
            flags=re.S,
        )
    }


@pytest.mark.django_db
def test_posts_show_their_authors_role_in_the_community(
    client, rf, forum, make_community, make_user, add_member, staff
):
    ideas, member = forum["community"], forum["member"]
    moderator, leaver = make_user(), make_user()
    add_member(ideas, moderator, role="moderator")
    add_member(ideas, leaver, role="moderator")
    # A moderator elsewhere is a member here: the role is the thread's community's.
    other = make_community("other")
    add_member(other, member, role="moderator")
    thread = actions.create_thread(member, ideas, kind="discussion", title="T", body="b")
    for author in (moderator, staff, leaver):  # staff created the community: its manager
        actions.reply(author, thread, body="r")
    community_actions.leave(leaver, ideas)

    page = client.get(thread.get_absolute_url()).content.decode()
    role = '<span class="tag tag-role" data-role="{0}">{1}</span>'
    assert badges(page) == {
        "1": "",
        "2": role.format("moderator", "Moderator"),
        "3": role.format("manager", "Manager"),
        "4": "",  # gone: no membership, no role
    }
    page = client.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert badges(page)["2"] == role.format("moderator", "Modérateur")
    assert badges(page)["3"] == role.format("manager", "Responsable")

    # Read live from the memberships: a change shows on the next view.
    community_actions.set_role(staff, ideas, moderator, role="member")
    community_actions.set_role(staff, ideas, member, role="moderator")
    page = client.get(thread.get_absolute_url()).content.decode()
    assert badges(page) == {
        "1": role.format("moderator", "Moderator"),
        "2": "",
        "3": role.format("manager", "Manager"),
        "4": "",
    }
    # And still in the same queries (test_thread_page_queries_do_not_grow counts them).
    with CaptureQueriesContext(connection) as queries:
        render_thread(rf, None, thread)
    assert len(queries) == EXPECTED_THREAD_QUERIES[0]


@pytest.mark.django_db
def test_authors_names_are_escaped_once(client, forum):
    member = forum["member"]
    community_actions.update_profile(member, member, display_name='<b>Tom & "Jerry"</b>')
    thread = actions.create_thread(
        member, forum["community"], kind="discussion", title="T", body="b"
    )
    page = client.get(thread.get_absolute_url()).content.decode()
    assert ">&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;</a>" in page
    assert (
        '<span class="avatar avatar-initial" aria-hidden="true" data-slot="avatar">&lt;</span>'
        in page
    )
    assert "<b>Tom" not in page and "&amp;lt;" not in page and "&amp;amp;" not in page


@pytest.mark.django_db
def test_the_posts_forms_carry_a_valid_csrf_token(forum):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="b"
    )
    post = thread.posts.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(forum["member"])
    page = client.get(thread.get_absolute_url()).content.decode()
    form = re.search(rf'<form method="post" action="/posts/{post.pk}/react/".*?</form>', page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group()).group(1)
    response = client.post(
        f"/posts/{post.pk}/react/", {"kind": "love", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.reaction_counts == {"love": 1}

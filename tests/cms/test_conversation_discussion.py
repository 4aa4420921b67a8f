"""A content page's discussion: the thread opened on first publication in the chosen
community, with that community's audience, and its latest replies on the page."""

import logging

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.test import RequestFactory

from cms.conversation import discussion
from cms.models import ContentPage
from community.models import Activity
from forums import actions as forum_actions
from forums.models import Thread


@pytest.fixture
def club_world(make_community, make_user, add_member, marketer):
    club = make_community("club", name="Club", visibility="private", join_policy="request")
    fan, outsider = make_user(), make_user()
    add_member(club, fan)
    add_member(club, marketer)
    return {"club": club, "fan": fan, "outsider": outsider}


@pytest.fixture
def discussed(club_world, make_page, marketer):
    """An offer for everyone signed in, discussed in the private club."""
    return make_page(
        "offer",
        audience="members",
        discussion_community=club_world["club"],
        user=marketer,
        teaser="Ten percent off, for the fans.",
    )


def test_first_publication_opens_the_thread(discussed, club_world, marketer):
    thread = Thread.objects.get()
    discussed.refresh_from_db()
    assert discussed.discussion_thread == thread
    assert thread.community == club_world["club"]
    assert thread.author == marketer
    assert thread.kind == "discussion"
    assert thread.title == discussed.title
    first = thread.posts.get(number=1)
    assert "Ten percent off, for the fans." in first.body
    assert discussed.url in first.body
    assert Activity.objects.filter(verb="thread.created", actor=marketer).count() == 1


def test_the_thread_is_kept_across_later_revisions(discussed):
    thread = Thread.objects.get()
    page = ContentPage.objects.get(pk=discussed.pk).specific
    page.title = "Twelve percent off"
    page.save_revision().publish()
    page.unpublish()
    page.save_revision().publish()
    assert ContentPage.objects.get(pk=discussed.pk).discussion_thread_id == thread.pk
    assert Thread.objects.count() == 1  # never a second thread


def test_owner_opens_it_when_the_publisher_may_not(club_world, make_page, marketer, staff):
    page = make_page(
        "article",
        audience="members",
        discussion_community=club_world["club"],
        publish=False,
        owner=marketer,
    )
    page.save_revision(user=staff)
    page.latest_revision.publish(user=staff)
    # staff may post anywhere: the publisher (who saved the revision) comes first
    assert Thread.objects.get().author == staff


def test_no_one_may_post_there_leaves_the_page_published_without_thread(
    club_world, make_page, make_user, caplog
):
    editor = make_user()  # in Marketing, not in the club
    editor.groups.add(Group.objects.get(name="Marketing"))
    with caplog.at_level(logging.WARNING, logger="cms.conversation.actions"):
        page = make_page(
            "article",
            audience="members",
            discussion_community=club_world["club"],
            user=editor,
            owner=editor,
        )
    assert page.live
    assert not Thread.objects.exists()
    assert ContentPage.objects.get(pk=page.pk).discussion_thread_id is None
    assert "no author may open its discussion" in caplog.text
    assert Activity.objects.filter(verb="content.published").count() == 1


def test_no_discussion_community_no_thread(make_page):
    make_page("article", audience="members")
    assert not Thread.objects.exists()


def test_the_discussion_has_the_community_audience(client, discussed, club_world):
    thread = Thread.objects.get()
    client.force_login(club_world["outsider"])
    assert client.get(f"/api/v1/threads/{thread.pk}").status_code in (403, 404)
    client.force_login(club_world["fan"])
    assert client.get(f"/api/v1/threads/{thread.pk}").status_code == 200


# --- The page's part: discussion.page_context and _discussion.html -------------------------


def request_for(user):
    request = RequestFactory().get("/content/x/")
    request.user = user
    request.csp_nonce = "nonce-x"
    return request


def reply(thread, user, body):
    return forum_actions.reply(user, thread, body=body)


def test_readers_of_the_community_see_the_latest_replies(discussed, club_world):
    thread = Thread.objects.get()
    fan = club_world["fan"]
    for i in range(7):
        reply(thread, fan, f"Reply number {i}")
    request = request_for(fan)
    context = discussion.page_context(discussed, request)
    shown = context["discussion"]
    assert shown["readable"] is True
    assert [row["number"] for row in shown["replies"]] == [4, 5, 6, 7, 8]
    assert shown["stream"] == f"thread:{thread.pk}"
    assert shown["can_reply"] is True
    html = render_to_string("cms/conversation/_discussion.html", context, request=request)
    assert "Reply number 6" in html and "Reply number 1" not in html
    assert f'data-stream="thread:{thread.pk}"' in html
    assert 'nonce="nonce-x"' in html and "js/cms-discussion.js" in html
    assert 'style="' not in html


def test_others_are_invited_to_join_and_see_no_reply(discussed, club_world):
    thread = Thread.objects.get()
    reply(thread, club_world["fan"], "Only for the club")
    request = request_for(club_world["outsider"])
    context = discussion.page_context(discussed, request)
    assert context["discussion"]["readable"] is False
    assert "replies" not in context["discussion"]
    html = render_to_string("cms/conversation/_discussion.html", context, request=request)
    assert "Only for the club" not in html
    assert "data-stream" not in html
    assert "Join Club to take part." in html


def test_a_hidden_community_discussion_is_not_even_named(
    make_community, make_user, make_page, staff
):
    secret = make_community("secret", name="Secret", visibility="hidden", join_policy="invite")
    page = make_page("article", audience="members", discussion_community=secret, user=staff)
    request = request_for(make_user())
    context = discussion.page_context(page, request)
    assert context == {"discussion": None}
    assert "Secret" not in render_to_string(
        "cms/conversation/_discussion.html", context, request=request
    )


def test_no_discussion_renders_nothing(make_page, make_user):
    page = make_page("article", audience="members")
    request = request_for(make_user())
    context = discussion.page_context(page, request)
    assert context == {"discussion": None}
    assert render_to_string("cms/conversation/_discussion.html", context).strip() == ""


@pytest.mark.parametrize("n", [2, 12])
def test_page_context_query_count(discussed, club_world, django_assert_max_num_queries, n):
    thread = Thread.objects.get()
    for i in range(n):
        reply(thread, club_world["fan"], f"Reply {i}")
    request = request_for(club_world["fan"])
    with django_assert_max_num_queries(6):
        context = discussion.page_context(discussed, request)
        render_to_string("cms/conversation/_discussion.html", context, request=request)


def test_the_served_page_shows_the_discussion(client, discussed, club_world):
    thread = Thread.objects.get()
    reply(thread, club_world["fan"], "Served live reply")
    client.force_login(club_world["fan"])
    html = client.get(discussed.url).content.decode()
    assert "Served live reply" in html
    assert f'data-stream="thread:{thread.pk}"' in html
    client.force_login(club_world["outsider"])  # meets the page's audience, not the club
    html = client.get(discussed.url).content.decode()
    assert "Served live reply" not in html
    assert "Join Club to take part." in html


def _hidden_club_page(make_page, marketer, make_community, discussion_community):
    secret = make_community("secret", name="Secret", visibility="hidden", join_policy="invite")
    return secret, make_page(
        "article",
        audience="chosen",
        rules=[("community", secret)],
        discussion_community=discussion_community or secret,
        user=marketer,
    )


def test_a_hidden_communitys_content_is_not_discussed_elsewhere(
    make_page, marketer, make_community, club_world
):
    # Saved another way than the admin (which refuses it): no thread opens in the club.
    _secret, page = _hidden_club_page(make_page, marketer, make_community, club_world["club"])
    assert Thread.objects.count() == 0 and page.discussion_thread_id is None


def test_a_hidden_communitys_content_is_discussed_there(
    make_page, marketer, make_community, staff, add_member
):
    secret = make_community("secret", name="Secret", visibility="hidden", join_policy="invite")
    add_member(secret, marketer)
    page = make_page(
        "article",
        audience="chosen",
        rules=[("community", secret)],
        discussion_community=secret,
        user=marketer,
    )
    page.refresh_from_db()
    assert Thread.objects.get().community == secret == page.discussion_thread.community


def test_discussion_fits_names_the_hidden_communities(make_community):
    from cms import discussions
    from community.audiences import Rule

    secret = make_community("secret", visibility="hidden", join_policy="invite")
    public = make_community("open")
    rules = [Rule("community", community=secret), Rule("community", community=public)]
    assert discussions.hidden_communities(rules) == [secret]
    assert discussions.discussion_fits(rules, secret)
    assert not discussions.discussion_fits(rules, public)
    assert discussions.discussion_fits([Rule("community", community=public)], public)
    assert discussions.discussion_fits(rules, None)


def test_a_copy_opens_a_discussion_of_its_own(discussed, marketer):
    copy = discussed.copy(update_attrs={"slug": "copy", "title": "Copy"}, user=marketer)
    copy.refresh_from_db()  # published as a copy of a live page: its own thread opened
    assert copy.discussion_thread_id not in (None, discussed.discussion_thread_id)
    assert Thread.objects.count() == 2

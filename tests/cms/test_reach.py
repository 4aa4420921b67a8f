"""The Reach tab: eligible members, their views, reveals and codes left, registrations,
and the discussion a page started, as figures and as the admin renders them."""

import datetime

import pytest
from django.utils import timezone

from badges.models import Reputation
from cms.models import ContentPage, ContentView, OfferCode, OfferReveal, Registration
from cms.reach.figures import figures
from forums import actions as forum_actions

pytestmark = pytest.mark.django_db


def _view(page, user, days_ago=0):
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    ContentView.objects.create(page_id=page.pk, user=user, day=day)


@pytest.fixture
def club(make_community):
    return make_community("club", visibility="private", join_policy="invite")


def test_eligible_members_follow_the_audience(make_page, make_user, club, add_member):
    inside = [make_user(username=f"in{n}") for n in range(3)]
    for user in inside:
        add_member(club, user)
    make_user(username="outsider")
    add_member(club, make_user(username="banned"), state="banned")
    page = make_page("article", audience="chosen", rules=[("community", club)])

    assert figures(page).eligible == 3 + 1  # and the staff member who made the club


def test_an_empty_chosen_audience_reaches_nobody(make_page, make_user):
    make_user()
    page = make_page("article", audience="chosen", rules=[], publish=False)

    assert figures(page).eligible == 0
    assert figures(page).view_rate is None


def test_level_audience_counts_only_ranked_members(make_page, make_user, club, add_member):
    expert, novice = make_user(username="expert"), make_user(username="novice")
    for user, rank in ((expert, 3), (novice, 1)):
        add_member(club, user)
        Reputation.objects.create(user=user, community=club, points=10 * rank, rank=rank)
    page = make_page("event", audience="chosen", rules=[("level", club, 3)])

    assert figures(page).eligible == 1


def test_views_count_eligible_members_only(make_page, make_user, club, add_member):
    fan, outsider = make_user(), make_user()
    add_member(club, fan)
    page = make_page("article", audience="chosen", rules=[("community", club)])
    _view(page, fan, days_ago=1)
    _view(page, fan)
    _view(page, outsider)  # a view recorded before they left, say: not eligible now

    reach = figures(page)

    # Eligible: the fan and the staff member who made the club.
    assert (reach.eligible, reach.viewers, reach.views) == (2, 1, 2)
    assert reach.view_rate == 50


def test_unique_offer_shows_reveals_and_codes_left(make_page, make_user):
    page = make_page("offer", code_mode="unique", shared_code="")
    member = make_user()
    codes = [OfferCode.objects.create(offer=page, code=f"VEL-{n}") for n in range(3)]
    codes[0].claimed_by, codes[0].claimed_at = member, timezone.now()
    codes[0].save()
    OfferReveal.objects.create(offer=page, user=member, code=codes[0].code)

    offer = figures(page).offer

    assert (offer.reveals, offer.pool, offer.left) == (1, 3, 2)


def test_shared_offer_with_a_limit_counts_down(make_page, make_user):
    page = make_page("offer", quantity_limit=2)
    OfferReveal.objects.create(offer=page, user=make_user(), code=page.shared_code)

    assert figures(page).offer.left == 1
    assert figures(make_page("offer", title="Unlimited")).offer.left is None


def test_event_counts_registrations_by_state(make_page, make_user):
    page = make_page("event", capacity=2)
    now = timezone.now()
    for state, attended in (("going", now), ("going", None), ("waitlisted", None)):
        Registration.objects.create(event=page, user=make_user(), state=state, attended_at=attended)
    Registration.objects.create(event=page, user=make_user(), state="cancelled")

    event = figures(page).event

    assert (event.going, event.waitlisted, event.cancelled, event.attended) == (2, 1, 1, 1)
    assert event.capacity == 2
    assert figures(page).offer is None


def test_discussion_thread_and_its_replies_are_attributed(make_page, make_user, club, add_member):
    author, replier = make_user(), make_user()
    add_member(club, author)
    add_member(club, replier)
    page = make_page("article", discussion_community=club)
    thread = forum_actions.create_thread(
        author, club, kind="discussion", title=page.title, body="Tell us!"
    )
    forum_actions.reply(replier, thread, body="Great news.")
    forum_actions.reply(author, thread, body="Thanks.")
    # The conversation part sets it on the row on first publication.
    ContentPage.objects.filter(pk=page.pk).update(discussion_thread=thread)

    discussion = figures(page).discussion

    assert discussion.thread == thread
    assert discussion.replies == 2
    assert discussion.url == thread.get_absolute_url()


def test_no_discussion_before_publication_names_where_it_will_open(make_page, club):
    page = make_page("article", discussion_community=club, publish=False)

    discussion = figures(page).discussion

    assert discussion.thread is None and discussion.community == club
    assert figures(make_page("article", title="Quiet")).discussion is None


@pytest.mark.parametrize("members", [1, 12])
def test_figures_take_a_fixed_number_of_queries(
    members, make_page, make_user, club, add_member, django_assert_max_num_queries
):
    page = make_page(
        "offer",
        audience="chosen",
        rules=[("community", club)],
        code_mode="unique",
        shared_code="",
        discussion_community=club,
    )
    for _ in range(members):
        user = make_user()
        add_member(club, user)
        _view(page, user)
    page = ContentPage.objects.get(pk=page.pk).specific

    with django_assert_max_num_queries(8):
        figures(page)


def test_reach_tab_renders_in_the_edit_view(
    client, marketer, make_page, make_user, club, add_member
):
    fan = make_user()
    add_member(club, fan)
    page = make_page(
        "offer",
        audience="chosen",
        rules=[("community", club)],
        code_mode="unique",
        shared_code="",
        discussion_community=club,
    )
    OfferCode.objects.create(offer=page, code="VEL-1")
    _view(page, fan)
    client.force_login(marketer)

    response = client.get(f"/cms/pages/{page.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-reach="eligible">2<' in html  # the fan and the club's maker
    assert 'data-reach="viewers">1 (50 %)<' in html
    assert 'data-reach="left">1<' in html
    assert "A thread opens in" in html


def test_reach_tab_of_an_event_renders(client, marketer, make_page, make_user):
    page = make_page("event", capacity=5)
    Registration.objects.create(event=page, user=make_user(), state="going")
    client.force_login(marketer)

    html = client.get(f"/cms/pages/{page.pk}/edit/").content.decode()

    assert 'data-reach="going">1 / 5<' in html
    assert f'href="/content/events/{page.pk}/attendees/"' in html
    assert f'href="/content/events/{page.pk}/attendees.csv"' in html


def test_reach_tab_links_the_discussion_and_counts_its_replies(
    client, marketer, make_page, make_user, club, add_member
):
    author = make_user()
    add_member(club, author)
    page = make_page("article", discussion_community=club)
    thread = forum_actions.create_thread(
        author, club, kind="discussion", title="Talk about it", body="Tell us!"
    )
    forum_actions.reply(author, thread, body="First!")
    ContentPage.objects.filter(pk=page.pk).update(discussion_thread=thread)
    client.force_login(marketer)

    html = client.get(f"/cms/pages/{page.pk}/edit/").content.decode()

    assert f'<a href="{thread.get_absolute_url()}">Talk about it</a>' in html
    assert "in Club: 1 reply" in html


def test_reach_tab_of_a_new_page_says_it_comes_after_saving(client, marketer, content_home):
    client.force_login(marketer)

    response = client.get(f"/cms/pages/add/cms/articlepage/{content_home.pk}/")

    assert response.status_code == 200
    assert "appears here once it is saved" in response.content.decode()

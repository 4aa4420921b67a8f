"""The events' pages: the registration box (``_rsvp.html``: the place and the online
link only for those going), its forms, the organisers' attendee list and CSV."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from cms.events import actions, views
from cms.models import Registration
from community.models import Profile

pytestmark = pytest.mark.django_db
PLACE = "12 rue du Vélo, Lyon"
LINK = "https://meet.example.com/velora"


def box(event, user):
    request = RequestFactory().get(event.url)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    context = views.page_context(event, request)
    return render_to_string("cms/events/_rsvp.html", {**context, "page": event}, request=request)


def test_the_place_and_link_only_for_those_going(make_page, make_user):
    event = make_page("event", capacity=1)
    going, waiting, visitor = make_user(), make_user(), make_user()
    html = box(event, visitor)
    assert PLACE not in html and LINK not in html
    assert reverse("cms_event_rsvp", args=[event.pk]) in html
    actions.register(going, event)
    actions.register(waiting, event)
    html = box(event, going)
    assert PLACE in html and LINK in html
    assert reverse("cms_event_cancel", args=[event.pk]) in html
    html = box(event, waiting)
    assert PLACE not in html and LINK not in html
    assert "number 1" in html
    html = box(event, visitor)
    assert "Join the waiting list" in html and PLACE not in html


def test_nothing_for_outsiders_and_a_sign_in_for_visitors(make_page, make_user, make_community):
    club = make_community("club", visibility="private", join_policy="request")
    teased = make_page("event", audience="chosen", rules=[("community", club)])
    assert box(teased, make_user()).strip() == ""
    open_event = make_page("event", audience="everyone")
    html = box(open_event, AnonymousUser())
    assert "Sign in to register" in html and PLACE not in html and LINK not in html


def test_closed_and_organiser_links(make_page, make_user, marketer):
    from django.utils import timezone

    event = make_page("event", rsvp_deadline=timezone.now())
    html = box(event, make_user())
    assert "Registration for this event has closed." in html
    assert reverse("cms_event_rsvp", args=[event.pk]) not in html
    assert reverse("cms_event_attendees_csv", args=[event.pk]) not in html
    html = box(event, marketer)
    assert reverse("cms_event_attendees", args=[event.pk]) in html
    assert reverse("cms_event_attendees_csv", args=[event.pk]) in html


def test_the_forms_register_and_cancel(client, make_page, make_user):
    event = make_page("event", capacity=1)
    member = make_user()
    client.force_login(member)
    response = client.post(reverse("cms_event_rsvp", args=[event.pk]))
    assert response.status_code == 302 and response.url == event.url
    assert Registration.objects.get(user=member).state == "going"
    response = client.post(reverse("cms_event_rsvp", args=[event.pk]))  # twice
    assert response.status_code == 302 and response.url == event.url
    assert Registration.objects.filter(user=member).count() == 1
    response = client.post(reverse("cms_event_cancel", args=[event.pk]))
    assert response.status_code == 302
    assert Registration.objects.get(user=member).state == "cancelled"
    assert client.get(reverse("cms_event_rsvp", args=[event.pk])).status_code == 405


def test_the_forms_refuse_outsiders_without_leaking(client, make_page, make_user, make_community):
    secret = make_community("secret", visibility="hidden", join_policy="invite")
    hidden = make_page("event", audience="chosen", rules=[("community", secret)])
    client.force_login(make_user())
    assert client.post(reverse("cms_event_rsvp", args=[hidden.pk])).status_code == 404
    assert client.post(reverse("cms_event_cancel", args=[hidden.pk])).status_code == 404
    assert client.post(reverse("cms_event_rsvp", args=[987654])).status_code == 404
    assert not Registration.objects.exists()


def test_the_attendee_list_and_attendance(client, make_page, make_user, marketer):
    event = make_page("event", capacity=1)
    going, waiting = make_user(username="going"), make_user(username="waiting")
    actions.register(going, event)
    actions.register(waiting, event)
    url = reverse("cms_event_attendees", args=[event.pk])
    client.force_login(going)
    assert client.get(url).status_code == 403
    client.force_login(marketer)
    html = client.get(url).content.decode()
    assert 'data-attendee="going"' in html and 'data-attendee="waiting"' in html
    mark = reverse("cms_event_attendance", args=[event.pk, "going"])
    assert client.post(mark, {"attended": "1"}).status_code == 302
    assert Registration.objects.get(user=going).attended_at is not None
    client.post(mark, {"attended": "0"})
    assert Registration.objects.get(user=going).attended_at is None
    client.force_login(going)
    assert client.post(mark, {"attended": "1"}).status_code == 403
    assert Registration.objects.get(user=going).attended_at is None


@pytest.mark.parametrize("size", [1, 25])
def test_the_attendee_list_query_count(
    client, make_page, make_user, marketer, size, django_assert_max_num_queries
):
    event = make_page("event", capacity=size)
    for _ in range(size + 3):
        actions.register(make_user(), event)
    client.force_login(marketer)
    client.get(reverse("cms_event_attendees", args=[event.pk]))  # the header's caches warm
    with django_assert_max_num_queries(8):  # 6 today (+ header counters), any size
        response = client.get(reverse("cms_event_attendees", args=[event.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(6):  # 5 today, any size
        response = client.get(reverse("cms_event_attendees_csv", args=[event.pk]))
    assert response.content.decode().count("\n") == size + 4  # the header and every row


def test_the_csv_neutralises_formulas(client, make_page, make_user, marketer):
    event = make_page("event")
    for name in ("=HYPERLINK(evil)", "+1", "-2", "@SUM(A1)", "\tTab", "\rCR", "Ann"):
        user = make_user()
        Profile.objects.filter(user=user).update(display_name=name)
        actions.register(user, event)
    url = reverse("cms_event_attendees_csv", args=[event.pk])
    client.force_login(make_user())
    assert client.get(url).status_code == 403
    client.force_login(marketer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "username",
        "display_name",
        "state",
        "position",
        "registered_at",
        "attended_at",
    ]
    names = [row[1] for row in rows[1:]]
    assert names == ["'=HYPERLINK(evil)", "'+1", "'-2", "'@SUM(A1)", "'\tTab", "'\rCR", "Ann"]
    assert all(row[2] == "going" for row in rows[1:])


@pytest.mark.parametrize(
    ("name", "method", "extra"),
    [
        ("cms_event_rsvp", "post", []),
        ("cms_event_cancel", "post", []),
        ("cms_event_attendees", "get", []),
        ("cms_event_attendees_csv", "get", []),
        ("cms_event_attendance", "post", ["going"]),
    ],
)
def test_every_page_answers_hidden_as_missing(
    client, make_page, make_user, make_community, add_member, name, method, extra
):
    secret = make_community("secret", visibility="hidden", join_policy="invite")
    hidden = make_page("event", audience="chosen", rules=[("community", secret)])
    insider = make_user(username="going")
    add_member(secret, insider)
    actions.register(insider, hidden)
    client.force_login(make_user())
    answers = [
        getattr(client, method)(reverse(name, args=[page_id, *extra]))
        for page_id in (hidden.pk, 987654)
    ]
    assert [answer.status_code for answer in answers] == [404, 404]
    # The same page but for the id asked for, its nonces and tokens.
    texts = [
        re.sub(
            r'(nonce|value)="[^"]*"', "", answer.content.decode().replace(f"/{page_id}/", "/ID/")
        )
        for answer, page_id in zip(answers, (hidden.pk, 987654), strict=True)
    ]
    assert texts[0] == texts[1]
    assert Registration.objects.get().state == "going"

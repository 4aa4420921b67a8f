"""The content API: GET /api/v1/content and /api/v1/content/{id} (cms.conversation.api).

The API columns of the gating matrix (each audience kind × each viewer kind, the
list and the detail), what an item carries for those who meet its audience and
for those who see only its teaser (nothing exclusive), filters, pagination and
query counts.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from badges import actions as badge_actions
from badges.models import Reputation
from cms.models import ContentPage, OfferReveal, Registration

BODY = "SECRET-BODY-TEXT"
CODE = "VELO-SHARED-CODE"
PLACE = "12 rue du Vélo, Lyon"
LINK = "https://meet.example.com/velora"
EXCLUSIVE_KEYS = {"body", "code", "revealed_at", "place", "online_link", "registration"}


@pytest.fixture
def world(make_community, make_user, add_member, staff):
    fans = make_community("fans", name="Fans")
    club = make_community("club", name="Club", visibility="private", join_policy="request")
    secret = make_community("secret", name="Secret", visibility="hidden", join_policy="invite")
    support = make_community("support", name="Support", kind="support")
    qualifier, outsider, banned = (make_user() for _ in range(3))
    marketer = make_user(username="mia")
    marketer.groups.add(Group.objects.get(name="Marketing"))
    for community in (fans, club, secret, support):
        add_member(community, qualifier)
        add_member(community, banned, state="banned")
    Reputation.objects.create(user=qualifier, community=support, points=300, rank=3)
    # A level kept while banned does not count: levels need an active membership.
    Reputation.objects.create(user=banned, community=support, points=300, rank=3)
    badge = badge_actions.create_badge(staff, community=support, name="Helper", mode="manual")
    badge_actions.update_badge(staff, badge, enabled=True)
    badge_actions.grant(staff, badge, qualifier, reason="Helps.")
    return {
        "fans": fans,
        "club": club,
        "secret": secret,
        "support": support,
        "badge": badge,
        "viewers": {
            "anonymous": None,
            "outsider": outsider,
            "qualifier": qualifier,
            "banned": banned,
            "staff": staff,
            "marketer": marketer,
        },
    }


def audiences_of(world):
    """name -> make_page keyword arguments."""
    w = world
    return {
        "everyone": {"audience": "everyone"},
        "members": {"audience": "members"},
        "public_community": {"audience": "chosen", "rules": [("community", w["fans"])]},
        "private_community": {"audience": "chosen", "rules": [("community", w["club"])]},
        "hidden_community": {"audience": "chosen", "rules": [("community", w["secret"])]},
        "badge": {"audience": "chosen", "rules": [("badge", w["badge"])]},
        "level": {"audience": "chosen", "rules": [("level", w["support"], 3)]},
        "any_of": {
            "audience": "chosen",
            "rules": [("community", w["club"]), ("community", w["secret"])],
        },
        "all_of": {
            "audience": "chosen",
            "match": "all",
            "rules": [("community", w["club"]), ("level", w["support"], 3)],
        },
        "all_of_hidden": {
            "audience": "chosen",
            "match": "all",
            "rules": [("community", w["club"]), ("community", w["secret"])],
        },
        "empty": {"audience": "chosen", "rules": []},
    }


# F: the whole item; T: its teaser; N: nothing (404, absent from the list).
# Viewers: anonymous, outsider, qualifier, banned, staff, marketer.
MATRIX = {
    "everyone": "FFFFFF",
    "members": "TFFFFF",
    "public_community": "TTFTFT",
    "private_community": "TTFTFT",
    "hidden_community": "NNFNFN",
    "badge": "TTFTFT",
    "level": "TTFTFT",
    "any_of": "TTFTFT",
    "all_of": "TTFTFT",
    "all_of_hidden": "NNFNFN",
    "empty": "NNNNFN",
}
VIEWERS = ("anonymous", "outsider", "qualifier", "banned", "staff", "marketer")


def as_viewer(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def matrix_pages(world, make_page):
    return {
        name: make_page("article", title=f"Page {name}", body=[("text", f"<p>{BODY}</p>")], **kw)
        for name, kw in audiences_of(world).items()
    }


def assert_no_exclusive(item, raw):
    assert EXCLUSIVE_KEYS.isdisjoint(item), item
    assert BODY not in raw and CODE not in raw and PLACE not in raw and LINK not in raw


@pytest.mark.parametrize("viewer", VIEWERS)
def test_gating_matrix_api_list_and_detail(client, world, matrix_pages, viewer):
    client = as_viewer(client, world["viewers"][viewer])
    response = client.get("/api/v1/content")
    assert response.status_code == 200
    listed = {item["id"]: item for item in response.json()["items"]}
    column = VIEWERS.index(viewer)
    for name, page in matrix_pages.items():
        expected = MATRIX[name][column]
        detail = client.get(f"/api/v1/content/{page.pk}")
        where = f"{name} × {viewer}"
        if expected == "N":
            assert page.pk not in listed, where
            assert detail.status_code == 404, where
            assert detail.json()["code"] == "not_found", where
            continue
        assert detail.status_code == 200, where
        for item in (listed[page.pk], detail.json()):
            assert item["audience_met"] is (expected == "F"), where
            if expected == "F":
                assert BODY in item["body"], where
                assert item["hints"] == [], where
            else:
                assert_no_exclusive(item, detail.content.decode()), where
                assert item["hints"], where
    if viewer not in ("qualifier", "staff"):
        # Whatever the viewer is shown of the rest, no exclusive text anywhere in the list.
        raw = response.content.decode()
        met = [i for i in listed.values() if i["audience_met"]]
        assert raw.count(BODY) == len(met)


def test_teaser_hints_say_how_to_qualify(client, world, matrix_pages):
    as_viewer(client, world["viewers"]["outsider"])
    item = client.get(f"/api/v1/content/{matrix_pages['level'].pk}").json()
    assert item["hints"] == ["Reach Expert in Support"]
    anonymous = client.__class__()
    item = anonymous.get(f"/api/v1/content/{matrix_pages['members'].pk}").json()
    assert item["hints"] == ["Sign in or create an account"]


def test_item_keys(client, world, make_page):
    page = make_page("article", audience="everyone", body=[("text", "<p>Hello</p>")])
    item = client.get(f"/api/v1/content/{page.pk}").json()
    assert item["id"] == page.pk
    assert item["type"] == "article"
    assert item["title"] == page.title
    assert item["teaser"] == page.teaser
    assert item["url"] == page.url
    assert item["published_at"].endswith("Z")
    assert item["audience_met"] is True
    assert "Hello" in item["body"]


# --- Offers and events: their fields, only for their audience -------------------------


@pytest.fixture
def club_offer(world, make_page):
    return make_page(
        "offer",
        audience="chosen",
        rules=[("community", world["club"])],
        shared_code=CODE,
        description=f"<p>{BODY}</p>",
        valid_until=timezone.now() + datetime.timedelta(days=3),
    )


@pytest.fixture
def club_event(world, make_page):
    return make_page(
        "event",
        audience="chosen",
        rules=[("community", world["club"])],
        description=f"<p>{BODY}</p>",
        place=PLACE,
        online_link=LINK,
        capacity=2,
    )


def test_offer_code_only_once_revealed(client, world, club_offer):
    qualifier = world["viewers"]["qualifier"]
    as_viewer(client, qualifier)
    item = client.get(f"/api/v1/content/{club_offer.pk}").json()
    assert item["type"] == "offer"
    assert item["mode"] == "shared"
    assert item["code"] is None  # revealing is an action of its own
    assert item["valid_until"].endswith("Z")
    assert CODE not in client.get(f"/api/v1/content/{club_offer.pk}").content.decode()
    OfferReveal.objects.create(offer=club_offer, user=qualifier, code=CODE)
    item = client.get(f"/api/v1/content/{club_offer.pk}").json()
    assert item["code"] == CODE
    assert item["revealed_at"]


def test_offer_teaser_leaks_nothing(client, world, club_offer):
    outsider = world["viewers"]["outsider"]
    OfferReveal.objects.create(offer=club_offer, user=outsider, code=CODE)  # left from before
    as_viewer(client, outsider)
    for url in (
        "/api/v1/content",
        f"/api/v1/content/{club_offer.pk}",
        "/api/v1/content?type=offer",
    ):
        response = client.get(url)
        assert response.status_code == 200
        raw = response.content.decode()
        assert CODE not in raw and BODY not in raw


def test_event_place_and_link_for_those_going(client, world, club_event, make_user, add_member):
    qualifier = world["viewers"]["qualifier"]
    as_viewer(client, qualifier)
    item = client.get(f"/api/v1/content/{club_event.pk}").json()
    assert item["type"] == "event"
    assert item["capacity"] == 2 and item["places_left"] == 2
    assert item["registration"] is None
    assert "place" not in item and "online_link" not in item
    others = [make_user() for _ in range(3)]
    for other in others:
        add_member(world["club"], other)
    now = timezone.now()
    Registration.objects.create(event=club_event, user=others[0], state="going")
    Registration.objects.create(event=club_event, user=others[1], state="going")
    Registration.objects.create(event=club_event, user=others[2], state="waitlisted", listed_at=now)
    Registration.objects.create(
        event=club_event,
        user=qualifier,
        state="waitlisted",
        listed_at=now + datetime.timedelta(seconds=1),
    )
    item = client.get(f"/api/v1/content/{club_event.pk}").json()
    assert item["places_left"] == 0
    assert item["registration"] == {"state": "waitlisted", "position": 2}
    assert PLACE not in str(item) and LINK not in str(item)
    Registration.objects.filter(event=club_event, user=qualifier).update(state="going")
    item = client.get(f"/api/v1/content/{club_event.pk}").json()
    assert item["registration"] == {"state": "going"}
    assert item["place"] == PLACE and item["online_link"] == LINK


def test_event_teaser_leaks_nothing(client, world, club_event):
    outsider = world["viewers"]["outsider"]
    Registration.objects.create(event=club_event, user=outsider, state="going")  # then left
    as_viewer(client, outsider)
    for url in ("/api/v1/content", f"/api/v1/content/{club_event.pk}"):
        raw = client.get(url).content.decode()
        assert PLACE not in raw and LINK not in raw and BODY not in raw


# --- Filters, pagination, missing pages -----------------------------------------------


def test_type_filter(client, make_page):
    article = make_page("article", audience="everyone")
    offer = make_page("offer", audience="everyone")
    event = make_page("event", audience="everyone")
    for kind, page in (("article", article), ("offer", offer), ("event", event)):
        items = client.get(f"/api/v1/content?type={kind}").json()["items"]
        assert [item["id"] for item in items] == [page.pk]
    assert client.get("/api/v1/content?type=poem").status_code == 422


def test_pagination_newest_first(client, make_page):
    pages = [make_page("article", audience="everyone", title=f"N{i}") for i in range(5)]
    first = client.get("/api/v1/content?limit=2").json()
    assert [item["id"] for item in first["items"]] == [pages[4].pk, pages[3].pk]
    assert first["next"] == "2"
    second = client.get(f"/api/v1/content?limit=2&cursor={first['next']}").json()
    assert [item["id"] for item in second["items"]] == [pages[2].pk, pages[1].pk]
    last = client.get("/api/v1/content?limit=2&cursor=4").json()
    assert [item["id"] for item in last["items"]] == [pages[0].pk]
    assert last["next"] is None


def test_drafts_and_other_pages_are_404(client, staff, make_page, content_home):
    # (make_page's publish=False leaves Wagtail's default live=True: say it's a draft.)
    draft = make_page("article", audience="everyone", publish=False, live=False)
    client.force_login(staff)  # not even staff reads a draft through the API
    assert client.get(f"/api/v1/content/{draft.pk}").status_code == 404
    assert client.get(f"/api/v1/content/{content_home.pk}").status_code == 404
    assert client.get("/api/v1/content/999999").status_code == 404
    assert client.get(f"/api/v1/content/{2**70}").status_code == 422
    published = make_page("article", audience="everyone")
    published.unpublish()
    assert client.get(f"/api/v1/content/{published.pk}").status_code == 404
    assert not ContentPage.objects.filter(pk=published.pk, live=True).exists()


def test_banned_member_loses_access_at_once(client, world, make_page, staff):
    from community import actions

    page = make_page("offer", audience="chosen", rules=[("community", world["club"])])
    member = world["viewers"]["qualifier"]
    client.force_login(member)
    assert client.get(f"/api/v1/content/{page.pk}").json()["audience_met"] is True
    actions.ban(staff, world["club"], member)
    assert client.get(f"/api/v1/content/{page.pk}").json()["audience_met"] is False


# --- Query counts -----------------------------------------------------------------------


def _mixed(make_page, world, n):
    rules = [("community", world["club"])]
    for i in range(n):
        make_page("article", audience="everyone", title=f"A{i}")
        make_page("offer", audience="chosen", rules=rules, title=f"O{i}")
        make_page("event", audience="chosen", rules=rules, title=f"E{i}")


@pytest.mark.parametrize("n", [1, 6])
@pytest.mark.parametrize("viewer", ["anonymous", "qualifier", "outsider"])
def test_list_query_count_does_not_grow(
    client, world, make_page, django_assert_max_num_queries, n, viewer
):
    _mixed(make_page, world, n)
    user = world["viewers"][viewer]
    as_viewer(client, user)
    if user is not None:
        OfferReveal.objects.create(
            offer=ContentPage.objects.filter(title="O0").get().specific, user=user, code="X"
        )
    with django_assert_max_num_queries(16):
        response = client.get("/api/v1/content?limit=100")
    assert len(response.json()["items"]) == 3 * n


def test_detail_query_count(client, world, club_event, django_assert_max_num_queries):
    as_viewer(client, world["viewers"]["qualifier"])
    with django_assert_max_num_queries(13):
        assert client.get(f"/api/v1/content/{club_event.pk}").status_code == 200

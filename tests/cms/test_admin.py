"""The Wagtail admin for marketing, through its real views: the Marketing group
creates, edits, schedules and publishes each kind of content; the forms refuse an
empty audience and an offer without its code; members and community moderators get
no admin; Wagtail's dashboard and page explorer work for a marketer."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page
from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from cms.models import ArticlePage, ContentPage, EventPage, OfferPage

pytestmark = pytest.mark.django_db

ADMIN_DATETIME = "%Y-%m-%d %H:%M"


def _when(delta):
    return timezone.localtime(timezone.now() + delta).strftime(ADMIN_DATETIME)


FIELDS = {
    "article": lambda: {
        "teaser": "Our new frame, explained.",
        **nested_form_data(
            {
                "body": streamfield(
                    [
                        ("text", rich_text("<p>The frame is <b>lighter</b>.</p>")),
                        ("quote", {"text": "Best bike ever.", "source": "A rider"}),
                    ]
                )
            }
        ),
    },
    "offer": lambda: {
        "teaser": "A discount for the club.",
        "description": rich_text("<p>Twenty percent off accessories.</p>"),
        "code_mode": "shared",
        "shared_code": "CLUB20",
        "valid_from": _when(datetime.timedelta(days=-1)),
        "valid_until": _when(datetime.timedelta(days=30)),
    },
    "event": lambda: {
        "teaser": "A ride with the team.",
        "description": rich_text("<p>Forty kilometres around Lyon.</p>"),
        "starts_at": _when(datetime.timedelta(days=10)),
        "ends_at": _when(datetime.timedelta(days=10, hours=3)),
        "time_zone": "Europe/Paris",
        "place": "Place Bellecour, Lyon",
        "capacity": "20",
    },
}
MODELS = {"article": ArticlePage, "offer": OfferPage, "event": EventPage}


def _form(client, url):
    """The page form as the admin renders it (management forms included)."""
    response = client.get(url)
    assert response.status_code == 200
    return querydict_from_html(response.content.decode(), form_id="page-edit-form")


def _rules(rules):
    data = {
        "audience_rules-TOTAL_FORMS": str(len(rules)),
        "audience_rules-INITIAL_FORMS": "0",
    }
    for index, rule in enumerate(rules):
        for key, value in {"id": "", "ORDER": str(index), "DELETE": "", **rule}.items():
            data[f"audience_rules-{index}-{key}"] = value
    return data


def _create(client, home, kind, *, title, action=None, rules=(), **fields):
    url = f"/cms/pages/add/cms/{kind}page/{home.pk}/"
    data = _form(client, url)
    data.update(
        {
            "title": title,
            "slug": slugify(title),  # the admin's script fills it in from the title
            **FIELDS[kind](),
            **_rules(rules),
            **({"audience": "chosen"} if rules else {}),
            **fields,
        }
    )
    if action:
        data[action] = action
    return client.post(url, data)


def _errors(response):
    form = response.context["form"]
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@pytest.fixture
def club(make_community):
    return make_community("club", visibility="private", join_policy="invite")


@pytest.mark.parametrize("kind", ["article", "offer", "event"])
def test_marketer_creates_a_draft_then_publishes_it(client, marketer, content_home, kind, club):
    client.force_login(marketer)

    response = _create(
        client,
        content_home,
        kind,
        title=f"Our {kind}",
        rules=[{"kind": "community", "community": str(club.pk)}],
    )

    assert response.status_code == 302, _errors(response)
    page = MODELS[kind].objects.get(title=f"Our {kind}")
    assert not page.live and page.has_unpublished_changes
    assert page.owner == marketer
    assert [rule.community for rule in page.audience_rules.all()] == [club]
    assert page.audience == "chosen"

    edit = f"/cms/pages/{page.pk}/edit/"
    data = _form(client, edit)
    if kind == "article":
        data.update(FIELDS[kind]())  # the body's blocks are drawn by the admin's script
    data["title"] = f"Our {kind}, revised"
    data["action-publish"] = "action-publish"
    response = client.post(edit, data)

    assert response.status_code == 302, _errors(response)
    page.refresh_from_db()
    assert page.live and page.title == f"Our {kind}, revised"
    assert page.revisions.count() == 2
    assert page.get_parent().specific == content_home


@pytest.mark.parametrize("kind", ["article", "offer", "event"])
def test_marketer_schedules_a_page_and_the_clock_publishes_it(client, marketer, content_home, kind):
    from django.core.management import call_command

    client.force_login(marketer)
    response = _create(
        client,
        content_home,
        kind,
        title=f"Scheduled {kind}",
        action="action-publish",
        go_live_at=_when(datetime.timedelta(hours=2)),
    )

    assert response.status_code == 302, _errors(response)
    page = MODELS[kind].objects.get(title=f"Scheduled {kind}")
    assert not page.live
    revision = page.scheduled_revision
    assert revision is not None and revision.approved_go_live_at > timezone.now()

    call_command("publish_scheduled")  # not yet due: nothing happens
    page.refresh_from_db()
    assert not page.live

    # Two hours later (moved back instead: the revision and its snapshot fall due).
    due = timezone.now() - datetime.timedelta(minutes=1)
    revision.approved_go_live_at = due
    revision.content["go_live_at"] = due.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.live


def test_an_empty_chosen_audience_is_refused(client, marketer, content_home):
    client.force_login(marketer)

    response = _create(
        client,
        content_home,
        "article",
        title="For nobody",
        audience="chosen",
        action="action-publish",
    )

    assert response.status_code == 200
    assert "add at least one rule" in " ".join(_errors(response)["audience"])
    assert not ArticlePage.objects.filter(title="For nobody").exists()


def test_a_rule_without_what_it_needs_is_refused(client, marketer, content_home):
    client.force_login(marketer)

    response = _create(
        client, content_home, "article", title="Half a rule", rules=[{"kind": "level"}]
    )

    assert response.status_code == 200
    assert not ArticlePage.objects.filter(title="Half a rule").exists()


def test_an_offer_without_its_code_is_refused(client, marketer, content_home):
    client.force_login(marketer)

    response = _create(client, content_home, "offer", title="No code", shared_code="")

    assert response.status_code == 200
    assert "needs its code" in " ".join(_errors(response)["shared_code"])
    assert not OfferPage.objects.filter(title="No code").exists()


def test_an_offer_ending_before_it_starts_is_refused(client, marketer, content_home):
    client.force_login(marketer)

    response = _create(
        client,
        content_home,
        "offer",
        title="Backwards",
        valid_until=_when(datetime.timedelta(days=-2)),
    )

    assert response.status_code == 200
    assert "valid_until" in _errors(response)


def test_an_event_ending_before_it_starts_is_refused(client, marketer, content_home):
    client.force_login(marketer)

    response = _create(
        client,
        content_home,
        "event",
        title="Backwards",
        ends_at=_when(datetime.timedelta(days=9)),
    )

    assert response.status_code == 200
    assert "ends_at" in _errors(response)


def test_marketer_manages_images_and_documents(client, marketer):
    client.force_login(marketer)

    for url in ("/cms/images/", "/cms/images/add/", "/cms/documents/", "/cms/documents/add/"):
        assert client.get(url).status_code == 200, url


def test_marketer_unpublishes_a_page(client, marketer, make_page):
    page = make_page("article")
    client.force_login(marketer)

    response = client.post(f"/cms/pages/{page.pk}/unpublish/")

    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.live


def test_dashboard_and_explorer_render_for_a_marketer(client, marketer, make_page, content_home):
    page = make_page("offer", title="Autumn offer")
    client.force_login(marketer)

    assert client.get("/cms/").status_code == 200
    explorer = client.get(f"/cms/pages/{content_home.pk}/")
    assert explorer.status_code == 200
    assert "Autumn offer" in explorer.content.decode()
    assert client.get(f"/cms/pages/{page.pk}/edit/").status_code == 200
    assert client.get(f"/cms/pages/{page.pk}/history/").status_code == 200


def test_marketer_may_only_add_content_kinds_under_the_content_home(client, marketer, content_home):
    client.force_login(marketer)

    response = client.get(f"/cms/pages/{content_home.pk}/add_subpage/")

    assert response.status_code == 200
    html = response.content.decode()
    for kind in ("articlepage", "offerpage", "eventpage"):
        assert f"/cms/pages/add/cms/{kind}/{content_home.pk}/" in html
    # A content page has no children, and the root is not theirs.
    root = Page.objects.get(depth=1)
    assert client.get(f"/cms/pages/add/cms/articlepage/{root.pk}/").status_code in (302, 403)


@pytest.fixture
def moderator(make_user, make_community, add_member):
    user = make_user(username="moderator")
    add_member(make_community("ideas"), user, role="moderator")
    return user


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_members_and_moderators_get_no_admin(client, make_user, moderator, content_home, who):
    user = moderator if who == "moderator" else make_user(username="member")
    client.force_login(user)

    # A clear refusal (the site's 403 page), not a redirect to a sign-in they passed.
    for url in ("/cms/", f"/cms/pages/{content_home.pk}/", "/cms/images/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"data-side-panel" not in response.content  # none of the admin's page

    response = _create_as_outsider(client, content_home)
    assert response.status_code == 403
    assert not ArticlePage.objects.filter(title="Sneaky").exists()


def test_an_editor_without_page_permissions_is_refused_by_wagtail(client, make_user, content_home):
    from django.contrib.auth.models import Permission

    editor = make_user(username="intruder")
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(editor)

    assert client.get("/cms/").status_code == 200  # the admin, but no page of theirs
    response = _create_as_outsider(client, content_home)

    assert response.status_code in (302, 403)
    assert not ArticlePage.objects.filter(title="Sneaky").exists()


def _create_as_outsider(client, home):
    url = f"/cms/pages/add/cms/articlepage/{home.pk}/"
    data = {
        "title": "Sneaky",
        "slug": "sneaky",
        "teaser": "x",
        "audience": "everyone",
        **_rules([]),
        "body-count": "0",
        "action-publish": "action-publish",
    }
    return client.post(url, data)


def test_anonymous_is_sent_to_sign_in(client, content_home):
    response = client.get("/cms/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("slug", ContentPage.RESERVED_SLUGS)
def test_a_slug_taken_by_the_sites_own_addresses_is_refused(make_page, slug):
    with pytest.raises(ValidationError) as refused:
        make_page("article", slug=slug)
    assert "slug" in refused.value.message_dict


def test_a_hidden_communitys_content_may_not_be_discussed_elsewhere(
    client, marketer, content_home, make_community
):
    secret = make_community("secret", name="Secret", visibility="hidden", join_policy="invite")
    square = make_community("square", name="Square")
    client.force_login(marketer)
    rules = [{"kind": "community", "community": str(secret.pk)}]

    response = _create(
        client,
        content_home,
        "article",
        title="Elsewhere",
        rules=rules,
        discussion_community=str(square.pk),
        action="action-publish",
    )

    assert response.status_code == 200
    assert "open its discussion there" in " ".join(_errors(response)["discussion_community"])
    assert not ArticlePage.objects.filter(title="Elsewhere").exists()
    response = _create(
        client,
        content_home,
        "article",
        title="There",
        rules=rules,
        discussion_community=str(secret.pk),
    )
    assert response.status_code == 302 and ArticlePage.objects.filter(title="There").exists()

"""The qualities to endorse: the defaults every community starts with (translated while
unrenamed), and the list its managers edit, through the actions and the API."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.utils import translation

from badges import actions, qualities
from badges.models import Quality
from community import actions as community_actions
from community.errors import Conflict, Forbidden
from community.models import Activity
from tests.badges.api_world import assert_error, bearer, call
from tests.badges.test_actions import codes


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def world(make_community, make_user, add_member):
    support = make_community("support", kind="support")
    club = make_community("club", visibility="hidden", join_policy="invite")
    private = make_community("private", visibility="private", join_policy="request")
    manager, member, outsider = (make_user() for _ in range(3))
    add_member(support, manager, role="manager")
    add_member(support, member)
    add_member(club, member)
    return {
        "support": support,
        "club": club,
        "private": private,
        "manager": manager,
        "member": member,
        "outsider": outsider,
        "keys": {
            "manager": bearer(manager),
            "member": bearer(member),
            "outsider": bearer(outsider),
        },
    }


# --- Through the actions ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_community_gets_the_default_qualities_once_created(staff, act):
    fans = act(
        community_actions.create_community,
        staff,
        slug="fans",
        name="Fans",
        kind="club",
        visibility="public",
        join_policy="open",
    )
    rows = Quality.objects.filter(community=fans)
    assert [(q.slug, q.name) for q in rows] == [
        ("helpful", "Helpful"),
        ("clear", "Clear explainer"),
        ("kind", "Kind"),
        ("expert", "Expert"),
    ]


@pytest.mark.django_db
def test_the_data_migration_gives_existing_communities_the_defaults(world):
    assert not Quality.objects.exists()  # created in the test transaction: no receiver ran
    migration = importlib.import_module("badges.migrations.0002_default_qualities")
    migration.create_default_qualities(django_apps, None)
    migration.create_default_qualities(django_apps, None)  # twice: nothing more
    for community in (world["support"], world["club"]):
        slugs = list(Quality.objects.filter(community=community).values_list("slug", flat=True))
        assert slugs == ["helpful", "clear", "kind", "expert"]


@pytest.mark.django_db
def test_default_names_are_shown_translated_until_renamed(world):
    support = world["support"]
    helpful = qualities.for_community(support)[0]
    assert helpful.name == "Helpful"  # stored as the message id
    with translation.override("fr"):
        assert qualities.label(helpful) == translation.gettext("Helpful")
    renamed = actions.rename_quality(world["manager"], helpful, name="Serviable")
    with translation.override("en"):
        assert qualities.label(renamed) == "Serviable"


@pytest.mark.django_db
def test_managers_add_rename_and_remove_qualities(world):
    support, manager = world["support"], world["manager"]
    added = actions.add_quality(manager, support, name="Product expert")
    assert (added.slug, added.position) == ("product-expert", 4)
    twin = actions.add_quality(manager, support, name="Product  Expert")
    assert twin.slug == "product-expert-2"
    custom = actions.add_quality(manager, support, name="Funny", slug="Joker")
    assert custom.slug == "joker"
    with pytest.raises(Conflict) as taken:
        actions.add_quality(manager, support, name="Other", slug="kind")
    assert taken.value.code == "quality_taken"
    with pytest.raises(ValidationError) as bad_slug:
        actions.add_quality(manager, support, name="Other", slug="not a slug!")
    assert codes(bad_slug) == {"slug": ["invalid_slug"]}
    with pytest.raises(ValidationError) as blank:
        actions.add_quality(manager, support, name=" ")
    assert codes(blank) == {"name": ["blank"]}

    renamed = actions.rename_quality(manager, added, name="Bike expert")
    assert (renamed.slug, renamed.name) == ("product-expert", "Bike expert")
    actions.remove_quality(manager, twin)
    slugs = [q.slug for q in qualities.for_community(support)]
    assert slugs == ["helpful", "clear", "kind", "expert", "product-expert", "joker"]
    entries = Activity.objects.filter(verb="qualities.updated").order_by("pk")
    assert entries.count() == 5
    last = entries.last()
    assert last.actor == manager and last.community == support
    assert ["product-expert-2", "Product  Expert"] in last.data["before"]
    assert all(pair[0] != "product-expert-2" for pair in last.data["after"])
    with pytest.raises(Forbidden):
        actions.add_quality(world["member"], support, name="Mine")
    with pytest.raises(Forbidden):
        actions.remove_quality(world["member"], added)


@pytest.mark.django_db
def test_removing_every_quality_is_a_choice_that_stays(world):
    support = world["support"]
    for quality in qualities.for_community(support):
        actions.remove_quality(world["manager"], quality)
    assert qualities.for_community(support) == []  # the defaults do not grow back


# --- Through the API --------------------------------------------------------------------


@pytest.mark.django_db
def test_qualities_start_with_the_defaults_and_managers_edit_them(client, world):
    response, data = call(client, "get", "/communities/support/qualities")
    assert response.status_code == 200
    assert [q["slug"] for q in data["items"]] == ["helpful", "clear", "kind", "expert"]
    assert data["items"][1]["name"] == "Clear explainer"
    key = world["keys"]["manager"]
    response, data = call(
        client, "post", "/communities/support/qualities", key, {"name": "Bike guru"}
    )
    assert response.status_code == 201 and data["slug"] == "bike-guru"
    body = {"name": "Other", "slug": "kind"}
    response, data = call(client, "post", "/communities/support/qualities", key, body)
    assert_error(response, data, 409, "quality_taken")
    response, data = call(
        client, "patch", "/communities/support/qualities/kind", key, {"name": "Friendly"}
    )
    assert response.status_code == 200 and data == {
        "slug": "kind",
        "name": "Friendly",
        "position": 2,
    }
    response, _none = call(client, "delete", "/communities/support/qualities/clear", key)
    assert response.status_code == 204
    response, data = call(client, "delete", "/communities/support/qualities/clear", key)
    assert_error(response, data, 404, "not_found")
    _r, data = call(client, "get", "/communities/support/qualities")
    assert [q["slug"] for q in data["items"]] == ["helpful", "kind", "expert", "bike-guru"]


@pytest.mark.django_db
def test_qualities_follow_the_community_privacy_and_roles(client, world):
    key = world["keys"]["member"]
    response, data = call(client, "post", "/communities/support/qualities", key, {"name": "X"})
    assert_error(response, data, 403, "forbidden")
    response, data = call(
        client, "patch", "/communities/support/qualities/kind", key, {"name": "X"}
    )
    assert_error(response, data, 403, "forbidden")
    response, data = call(client, "delete", "/communities/support/qualities/kind", key)
    assert_error(response, data, 403, "forbidden")
    response, data = call(client, "get", "/communities/club/qualities", world["keys"]["outsider"])
    assert_error(response, data, 404, "not_found")
    response, data = call(
        client, "get", "/communities/private/qualities", world["keys"]["outsider"]
    )
    assert_error(response, data, 403, "not_a_member")

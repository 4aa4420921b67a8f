"""A member's showcase: motto, cover picture, title and featured badges among those they
hold and show, and hiding a badge from their profile. Through the real actions."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from badges import actions
from badges.actions.showcase import COVER_SIZE
from badges.models import Award, Showcase
from community.errors import Forbidden
from community.models import Activity
from tests.badges.test_actions import codes, manual_badge


def png(size=(40, 20), color="teal"):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), "image/png")


@pytest.fixture
def world(make_community, make_user, add_member):
    support = make_community("support", kind="support")
    manager, member, other = (make_user() for _ in range(3))
    add_member(support, manager, role="manager")
    for user in (member, other):
        add_member(support, user)
    return {"support": support, "manager": manager, "member": member, "other": other}


@pytest.fixture
def holder(world):
    """The member holds three manual badges, one of them a title; a fourth is hidden."""
    badges = [manual_badge(world, name=f"Badge {n}", is_title=(n == 1)) for n in range(1, 5)]
    for badge in badges:
        actions.grant(world["manager"], badge, world["member"], reason="For the test")
    hidden = Award.objects.get(badge=badges[3])
    actions.set_award_hidden(world["member"], hidden, True)
    return {**world, "badges": badges}


@pytest.mark.django_db
def test_update_showcase_sets_motto_title_featured_and_cover(holder):
    member, badges = holder["member"], holder["badges"]
    showcase = actions.update_showcase(
        member, motto="  Ride on  ", title=badges[0], featured=[badges[2], badges[0]], cover=png()
    )
    showcase = Showcase.objects.get(user=member)
    assert showcase.motto == "Ride on" and showcase.title == badges[0]
    assert showcase.featured == [badges[2].pk, badges[0].pk]
    with Image.open(showcase.cover.open()) as picture:
        assert picture.format == "WEBP" and picture.size == COVER_SIZE
    entry = Activity.objects.filter(verb="showcase.updated").last()
    assert entry.actor == member and entry.target_user == member
    assert entry.data == {"fields": ["motto", "title", "featured", "cover"]}

    old_cover = showcase.cover.name
    actions.update_showcase(member, title="", remove_cover=True)
    showcase.refresh_from_db()
    assert showcase.title is None and not showcase.cover and old_cover


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"motto": "two\nlines"}, "motto", "invisible_characters"),
        ({"motto": "m" * 121}, "motto", "max_length"),
        ({"title": "second"}, "title", "not_a_title"),
        ({"title": "hidden"}, "title", "not_held"),
        ({"title": "foreign"}, "title", "not_held"),
        ({"featured": ["first", "foreign"]}, "featured", "not_held"),
        ({"featured": ["hidden"]}, "featured", "not_held"),
        ({"cover": "junk"}, "cover", "invalid_image"),
    ],
)
def test_update_showcase_refusals(holder, staff, change, field, code):
    foreign = actions.create_badge(staff, name="Elsewhere", mode="manual", enabled=True)
    named = {
        "first": holder["badges"][0],
        "second": holder["badges"][1],
        "third": holder["badges"][2],
        "hidden": holder["badges"][3],
        "foreign": foreign,
    }
    value = change[field]
    if field == "cover":
        value = SimpleUploadedFile("junk.png", b"not a picture", "image/png")
    elif field == "title":
        value = named[value]
    elif field == "featured":
        value = [named[name] for name in value]
    with pytest.raises(ValidationError) as refusal:
        actions.update_showcase(holder["member"], **{field: value})
    assert code in codes(refusal)[field]
    assert (
        not Activity.objects.filter(verb="showcase.updated")
        .exclude(data__fields=["hidden_badges"])
        .exists()
    )


@pytest.mark.django_db
def test_at_most_three_featured_badges(holder, world):
    extra = manual_badge(world, name="Fifth")
    actions.grant(world["manager"], extra, world["member"], reason="More")
    four = [*holder["badges"][:3], extra]
    with pytest.raises(ValidationError) as refusal:
        actions.update_showcase(world["member"], featured=four)
    assert codes(refusal) == {"featured": ["too_many_featured"]}


@pytest.mark.django_db
def test_hiding_a_badge_takes_it_off_the_title_and_featured(holder):
    member, badges = holder["member"], holder["badges"]
    actions.update_showcase(member, title=badges[0], featured=[badges[0], badges[1]])
    award = Award.objects.get(badge=badges[0], user=member)
    with pytest.raises(Forbidden) as not_theirs:
        actions.set_award_hidden(holder["other"], award, True)
    assert not_theirs.value.code == "not_holder"
    actions.set_award_hidden(member, award, True)
    showcase = Showcase.objects.get(user=member)
    assert showcase.title is None and showcase.featured == [badges[1].pk]
    entry = Activity.objects.filter(verb="showcase.updated").last()
    assert entry.data == {"fields": ["hidden_badges", "title", "featured"]}
    assert actions.set_award_hidden(member, award, False).hidden is False

"""The demo brand: each community's texts in its own language, and seeding twice is harmless."""

import pytest
from django.core.management import call_command

from community.models import Community, Membership, ProfileField, User
from forums.models import Post, Thread

# Each community speaks one language; the README names what to click in both.
LANGUAGES = {"support": "fr", "ideas": "en", "club": "fr"}
FRENCH_WORDS = {"vos", "votre", "les", "des", "pour", "est", "sur", "le", "la", "de"}
ENGLISH_WORDS = {"the", "your", "you", "and", "for", "is", "what", "please", "of"}


def words(text):
    return {w.strip(".,!?:;()*'\"").lower() for w in text.split()}


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_no_seeded_text_mixes_two_languages(seeded):
    for community in Community.objects.all():
        assert " / " not in community.name, community.name
        texts = [community.name, community.description]
        for thread in Thread.objects.filter(community=community):
            texts.append(thread.title)
            texts += Post.objects.filter(thread=thread).values_list("body", flat=True)
        other = ENGLISH_WORDS if LANGUAGES[community.slug] == "fr" else FRENCH_WORDS
        for text in texts:
            assert not words(text) & other, (community.slug, text)
    for field in ProfileField.objects.all():
        assert " / " not in field.label


def test_communities_carry_their_own_names(seeded):
    names = dict(Community.objects.values_list("slug", "name"))
    assert names == {"support": "Entraide & SAV", "ideas": "Product ideas", "club": "Club Velora"}


def test_seeding_again_changes_nothing(seeded, settings):
    counts = (User.objects.count(), Membership.objects.count(), Thread.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (User.objects.count(), Membership.objects.count(), Thread.objects.count()) == counts


@pytest.mark.django_db
def test_the_demo_shows_social_value(settings, django_capture_on_commit_callbacks):
    """Members with levels, badges, traits and endorsements, earned through the actions."""
    from badges.models import Award, Badge, Endorsement, Reputation, Showcase

    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    held = set(Award.objects.values_list("user__username", "badge__slug"))
    assert ("theo", "problem-solver") in held and ("alice", "ambassador") in held
    assert Award.objects.filter(badge__kind=Badge.Kind.TRAIT).exists()
    assert Reputation.objects.filter(user__username="theo", rank__gte=1).exists()
    assert Endorsement.objects.count() >= 5
    assert Showcase.objects.get(user__username="alice").title.slug == "ambassador"

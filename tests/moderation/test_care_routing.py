"""Live routing: a new support question offered on ``me`` to online opted-in experts, three
at a time, never the same expert twice within the cooldown; experts by level or badge."""

import pytest
from django.core.cache import cache

from badges.models import Reputation
from community import expertise
from community.errors import Forbidden
from community.models import Activity
from forums.moderation.care import actions
from forums.moderation.care.models import ExpertOptIn, QuestionClock
from tests.moderation.care_world import care_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_experts_by_community_badge_or_level(care):
    assert expertise.experts(care.support) == {user.pk for user in care.experts}
    Reputation.objects.create(user=care.plain, community=care.support, points=250, rank=3)
    assert care.plain.pk in expertise.experts(care.support)
    assert expertise.rank(care.support, [care.plain.pk, care.asker.pk]) == {
        care.plain.pk: 3,
        care.asker.pk: 0,
    }


def test_only_experts_opt_in(care):
    with pytest.raises(Forbidden) as refused:
        actions.opt_in(care.plain, care.support)
    assert refused.value.code == "not_expert"
    actions.opt_in(care.experts[0], care.support)
    actions.opt_in(care.experts[0], care.support)  # twice: still one
    assert ExpertOptIn.objects.filter(community=care.support).count() == 1
    actions.opt_out(care.experts[0], care.support)
    assert not ExpertOptIn.objects.exists()
    verbs = list(Activity.objects.filter(verb__startswith="expert.").values_list("verb", flat=True))
    assert sorted(verbs) == ["expert.opted_in", "expert.opted_out"]


def test_a_question_is_offered_to_three_online_opted_in_experts(care, capture_events):
    for expert in care.experts:
        actions.opt_in(expert, care.support)
    offline = care.experts[4]
    care.online(*care.experts[:4], care.plain)
    addresses = [f"me:{user.pk}" for user in care.experts]
    with capture_events(*addresses) as events:
        thread = care.ask(commit=False)
    offered = [e for e in events if e.get("event") == "question.offered"]
    assert len(offered) == 3
    assert {e["event"] for e in offered} == {"question.offered"}
    assert offered[0]["data"] == {
        "thread": thread.pk,
        "title": thread.title,
        "community": "help",
        "url": thread.get_absolute_url(),
    }
    chosen = QuestionClock.objects.get(thread=thread).offered_to
    assert len(chosen) == 3 and offline.pk not in chosen and care.plain.pk not in chosen
    entry = Activity.objects.get(verb="question.offered")
    assert entry.data["offered_to"] == chosen

    # The next question goes to whoever was not offered one within the cooldown.
    second = care.ask("Second question")
    rest = QuestionClock.objects.get(thread=second).offered_to
    assert len(rest) == 1 and rest[0] not in chosen
    # Nobody left: the third waits for the moderators.
    third = care.ask("Third question")
    assert QuestionClock.objects.get(thread=third).offered_to == []
    # Once the cooldown ends they are offered again.
    cache.clear()
    care.online(*care.experts[:4])
    fourth = care.ask("Fourth question")
    assert len(QuestionClock.objects.get(thread=fourth).offered_to) == 3


def test_the_asker_is_never_offered_their_own_question(care):
    actions.opt_in(care.experts[0], care.support)
    care.online(care.experts[0])
    thread = care.ask(by=care.experts[0])
    assert QuestionClock.objects.get(thread=thread).offered_to == []


def test_routing_off_offers_nothing(care):
    actions.opt_in(care.experts[0], care.support)
    care.online(care.experts[0])
    actions.set_response_policy(care.staff, care.support, routing_enabled=False)
    thread = care.ask()
    assert QuestionClock.objects.get(thread=thread).offered_to == []


def test_offline_experts_are_not_offered(care):
    actions.opt_in(care.experts[0], care.support)
    thread = care.ask()
    assert QuestionClock.objects.get(thread=thread).offered_to == []


def test_silenced_or_suspended_experts_are_not_offered(care):
    from datetime import timedelta

    from django.utils import timezone

    from community import actions as community_actions
    from community.models import Membership

    silenced, suspended, lapsed, free = care.experts[:4]
    for expert in (silenced, suspended, lapsed, free):
        actions.opt_in(expert, care.support)
    care.online(silenced, suspended, lapsed, free)
    later = timezone.now() + timedelta(days=1)
    community_actions.silence(care.moderator, care.support, silenced, until=later)
    community_actions.suspend(care.staff, suspended, until=later)
    # A silence that has run out is no silence (as ``permissions.can_participate``).
    Membership.objects.filter(community=care.support, user=lapsed).update(
        silenced_until=timezone.now() - timedelta(minutes=1)
    )
    thread = care.ask()
    assert sorted(QuestionClock.objects.get(thread=thread).offered_to) == sorted(
        [lapsed.pk, free.pk]
    )

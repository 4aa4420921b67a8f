"""Awarding under races, on PostgreSQL: parallel workers evaluating and backfilling the
same badge for the same members make each award exactly once, and fail on nothing."""

import threading

import pytest
from django.db import connections

from badges import awarding
from badges.models import Award, Notice
from community.models import Activity
from tests.badges import rule_history as h
from tests.badges.rule_history import at, awards_of, make_badge


@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_award_each_badge_once(make_community, make_user, add_member):
    community = make_community("race")
    people = [make_user() for _ in range(24)]
    for index, person in enumerate(people):
        add_member(community, person)  # a community's badges go to its active members
        h.thread(community, person, at(1 + index))
    badge = make_badge("first_post", community=community)
    barrier = threading.Barrier(6)
    made, failures = [], []

    def work(index):
        try:
            barrier.wait(10)
            if index % 3 == 0:
                made.append(awarding.backfill(badges=[badge])["badges"][badge.slug])
            elif index % 3 == 1:
                made.append(awarding.evaluate(badge))
            else:
                made.append(awarding.evaluate(badge, user_ids=[p.pk for p in people]))
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert failures == []
    assert sum(made) == len(people)  # each award made by exactly one worker
    assert Award.objects.filter(badge=badge).count() == len(people)
    assert awards_of(badge) == {p.pk: at(1 + i) for i, p in enumerate(people)}
    entries = Activity.objects.filter(verb="badge.awarded", data__badge=badge.slug)
    assert entries.count() == len(people)
    assert Notice.objects.filter(badge=badge, kind=Notice.Kind.BADGE).count() + sum(
        n.data["count"] for n in Notice.objects.filter(kind=Notice.Kind.SUMMARY)
    ) == len(people)

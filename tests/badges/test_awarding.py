"""Awarding rule badges: preview, as things happen, the backfill.

As things happen: real forum actions, their activity delivered after commit to the
background receiver (the immediate task backend), the award at the achievement's
date, one notice and one ``badge.awarded`` on the member's ``me`` stream. Backfill:
set-based, idempotent, a bounded number of statements per badge whatever the number
of members, one summary per member, nothing partial when a badge fails. Under races:
``test_awarding_races.py``.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges import awarding, catalogue, rules
from badges.models import Award, Badge, Notice
from community.models import Activity
from forums import actions
from realtime.models import Event
from tests.badges import rule_history as h
from tests.badges.rule_history import at, awards_of, make_badge

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_too]


def data_statements(captured):
    """The queries that read or write data (not the savepoints around them)."""
    return [
        q["sql"]
        for q in captured
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN"))
    ]


@pytest.fixture
def world(make_community, make_user, add_member):
    support = make_community("support", kind="support")
    club = make_community("club")
    people = {name: make_user(username=name) for name in ("alice", "bob", "carol")}
    for person in people.values():
        add_member(support, person)
        add_member(club, person)
    return {"support": support, "club": club, **people}


# --- preview ----------------------------------------------------------------------------


def test_preview_lists_who_would_receive_it_and_since_when_writing_nothing(world):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    talk = h.thread(world["support"], bob, at(2))
    h.post(talk, alice, at(1, hour=9))
    h.post(talk, carol, at(3))
    badge = make_badge("first_post", community=world["support"], enabled=False)
    Award.objects.create(badge=badge, user=carol, awarded_at=at(3))  # holds it already
    before = (Award.objects.count(), Notice.objects.count(), Activity.objects.count())
    with CaptureQueriesContext(connection) as captured:
        shown = awarding.preview(badge)
    assert len(data_statements(captured.captured_queries)) == 1
    assert shown["count"] == 2
    assert [(m["username"], m["achieved_at"]) for m in shown["members"]] == [
        ("alice", at(1, hour=9)),
        ("bob", at(2)),
    ]
    assert shown["members"][0]["display_name"] == "alice"
    assert awarding.preview(badge, limit=1)["count"] == 2
    assert len(awarding.preview(badge, limit=1)["members"]) == 1
    assert (Award.objects.count(), Notice.objects.count(), Activity.objects.count()) == before


def test_preview_of_a_badge_nobody_qualifies_for(world):
    badge = make_badge("accepted_answers", params={"n": 5}, community=world["club"])
    assert awarding.preview(badge) == {"count": 0, "members": []}


# --- evaluate ---------------------------------------------------------------------------


def test_evaluate_awards_at_the_achievement_date_and_tells_each_member(world):
    alice, bob = world["alice"], world["bob"]
    h.post(h.thread(world["club"], bob, at(4)), alice, at(5))
    badge = make_badge("first_post", community=world["club"])
    assert awarding.evaluate(badge) == 2
    assert awards_of(badge) == {alice.pk: at(5), bob.pk: at(4)}
    notices = Notice.objects.filter(badge=badge, kind=Notice.Kind.BADGE)
    assert sorted(notices.values_list("user_id", flat=True)) == sorted([alice.pk, bob.pk])
    entries = Activity.objects.filter(verb="badge.awarded", target_user=alice)
    assert [(e.community_id, e.object_type, e.data) for e in entries] == [
        (world["club"].pk, "award", {"badge": badge.slug, "awarded_at": at(5).isoformat()})
    ]
    published = Event.objects.filter(stream=f"me:{alice.pk}", event="badge.awarded")
    assert [e.data["badge"] for e in published] == [badge.slug]
    assert awarding.evaluate(badge) == 0  # held: nothing twice
    assert Notice.objects.filter(badge=badge).count() == 2


def test_evaluate_for_some_members_only(world):
    alice, bob = world["alice"], world["bob"]
    h.post(h.thread(world["club"], bob, at(4)), alice, at(5))
    badge = make_badge("first_post")
    with CaptureQueriesContext(connection) as captured:
        assert awarding.evaluate(badge, user_ids=[world["carol"].pk]) == 0
    assert len(data_statements(captured.captured_queries)) == 2  # what is held, a look
    assert awarding.evaluate(badge, user_ids=[alice.pk, None]) == 1
    assert awards_of(badge) == {alice.pk: at(5)}


def test_evaluate_quietly_records_the_ledger_but_tells_nobody(world):
    alice = world["alice"]
    h.thread(world["club"], alice, at(4))
    badge = make_badge("first_post")
    assert awarding.evaluate(badge, notify=False) == 1
    assert not Notice.objects.exists()
    (entry,) = Activity.objects.filter(verb="badge.awarded")
    assert entry.target_user_id == alice.pk and entry.community_id is None
    assert entry.data == {"badge": badge.slug, "awarded_at": at(4).isoformat(), "backfill": True}


def test_evaluate_refuses_a_manual_badge(world):
    manual = Badge.objects.create(slug="ambassador", name="Ambassador", mode="manual")
    with pytest.raises(ValueError, match="not awarded by a rule"):
        awarding.evaluate(manual)


# --- backfill ---------------------------------------------------------------------------


def history(world):
    """Alice: first post day 1, two accepted answers (days 3 and 6). Bob: first post day 2."""
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    support = world["support"]
    for day in (1, 4):
        question = h.thread(support, bob if day == 1 else carol, at(day + 1), kind="question")
        answer = h.post(question, alice, at(day, hour=20) + timedelta(days=1))
        h.accept(answer, at(day + 2))
    h.thread(support, alice, at(1))


def test_backfill_awards_real_dates_with_one_summary_per_member_and_is_idempotent(
    world, django_capture_on_commit_callbacks
):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    history(world)
    first = make_badge("first_post", community=world["support"])
    answers = make_badge("accepted_answers", params={"n": 2}, community=world["support"])
    site = make_badge("first_post", slug="site-first-post")
    make_badge("first_post", community=world["club"])  # nobody posted there
    make_badge("night_owl", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = awarding.backfill()
    assert result["badges"] == {
        first.slug: 3,
        answers.slug: 1,
        site.slug: 3,
        "first_post-club": 0,
    }
    assert result["members"] == 3
    assert awards_of(first) == {alice.pk: at(1), bob.pk: at(2), carol.pk: at(5)}
    assert awards_of(answers) == {alice.pk: at(6)}
    # One summary per member, none per award; with a live event each (few members).
    summaries = Notice.objects.filter(kind=Notice.Kind.SUMMARY)
    assert not Notice.objects.exclude(kind=Notice.Kind.SUMMARY).exists()
    by_user = {n.user_id: n.data for n in summaries}
    assert by_user[alice.pk] == {
        "badges": [first.slug, site.slug, answers.slug],
        "count": 3,
    }
    assert by_user[bob.pk] == {"badges": [first.slug, site.slug], "count": 2}
    live = Event.objects.filter(stream=f"me:{alice.pk}", event="badge.awarded")
    assert [(e.data["badge"], e.data["count"]) for e in live] == [(answers.slug, 3)]
    # The ledger: one entry per award, with its real date, marked as a backfill.
    entries = Activity.objects.filter(verb="badge.awarded", target_user=alice).order_by("pk")
    assert sorted(e.data["awarded_at"] for e in entries) == sorted(
        [at(1).isoformat(), at(1).isoformat(), at(6).isoformat()]
    )
    assert all(e.data["backfill"] is True for e in entries)
    award_ids = set(Award.objects.filter(user=alice).values_list("pk", flat=True))
    assert {e.object_id for e in entries} == award_ids
    assert {e.object_type for e in entries} == {"award"}
    # Again: the same rows, nothing new, nobody told twice.
    rows = sorted(Award.objects.values_list("pk", "badge_id", "user_id", "awarded_at"))
    counts = (Notice.objects.count(), Activity.objects.count(), Event.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        again = awarding.backfill()
    assert set(again["badges"].values()) == {0} and again["members"] == 0
    assert sorted(Award.objects.values_list("pk", "badge_id", "user_id", "awarded_at")) == rows
    assert (Notice.objects.count(), Activity.objects.count(), Event.objects.count()) == counts


def test_backfill_of_one_community(world):
    history(world)
    h.thread(world["club"], world["carol"], at(9))
    support = make_badge("first_post", community=world["support"])
    club = make_badge("first_post", community=world["club"])
    result = awarding.backfill(community=world["club"])
    assert result == {"badges": {club.slug: 1}, "members": 1}
    assert not Award.objects.filter(badge=support).exists()


def test_a_dry_run_counts_and_writes_nothing(world):
    history(world)
    make_badge("first_post", community=world["support"])
    make_badge("accepted_answers", params={"n": 2})
    before = (Award.objects.count(), Notice.objects.count(), Activity.objects.count())
    result = awarding.backfill(dry_run=True)
    assert result == {
        "badges": {"first_post-support": 3, "accepted_answers-site": 1},
        "members": 3,
    }
    assert (Award.objects.count(), Notice.objects.count(), Activity.objects.count()) == before


def test_many_members_get_their_summaries_in_one_statement(world, monkeypatch):
    """Past ``LIVE_SUMMARIES`` members: the same notices, written set-based, no live event."""
    monkeypatch.setattr(awarding, "LIVE_SUMMARIES", 0)
    history(world)
    first = make_badge("first_post", community=world["support"])
    answers = make_badge("accepted_answers", params={"n": 2}, community=world["support"])
    result = awarding.backfill()
    assert result["members"] == 3
    by_user = {
        n.user_id: n.data
        for n in Notice.objects.filter(kind=Notice.Kind.SUMMARY, badge=None, community=None)
    }
    assert by_user == {
        world["alice"].pk: {"badges": [first.slug, answers.slug], "count": 2},
        world["bob"].pk: {"badges": [first.slug], "count": 1},
        world["carol"].pk: {"badges": [first.slug], "count": 1},
    }
    assert not Event.objects.filter(event="badge.awarded").exists()


def crowd(community, size, make_user):
    """``size`` members who each answered one question, accepted, and started a thread."""
    asker = make_user()
    for index in range(size):
        member = make_user()
        h.thread(community, member, at(1 + index % 20))
        question = h.thread(community, asker, at(1), kind="question")
        h.accept(h.post(question, member, at(2 + index % 20)), at(3 + index % 20))
        h.react(h.opening(question), member, at(4))


@pytest.mark.parametrize("rule", [r.key for r in rules.all()])
def test_backfill_statements_per_badge_do_not_grow_with_members(
    rule, make_community, make_user, monkeypatch
):
    monkeypatch.setattr(awarding, "LIVE_SUMMARIES", 0)
    counts = {}
    for size in (5, 50):
        community = make_community(f"crowd-{size}")
        crowd(community, size, make_user)
        template = rules.get(rule)
        badge = make_badge(
            rule,
            community=None if "community" not in template.scopes else community,
            params={"n": 1} if any(p.key == "n" for p in template.params) else {},
            slug=f"{rule}-{size}".replace("_", "-"),
        )
        with CaptureQueriesContext(connection) as captured:
            awarding.backfill(badges=[badge])
        statements = data_statements(captured.captured_queries)
        awarded = Award.objects.filter(badge=badge).count()
        # The awards and their ledger entries; the summaries' count and insert when any.
        assert len(statements) <= (2 + 2 if awarded else 1), statements
        counts[size] = (len(statements), awarded > 0)
        Award.objects.filter(badge=badge).delete()
        Badge.objects.filter(pk=badge.pk).update(enabled=False)
    assert counts[5] == counts[50]


def test_a_badge_that_fails_midway_leaves_nothing_partial(world, monkeypatch):
    history(world)
    first = make_badge("first_post", community=world["support"])
    broken = make_badge("accepted_answers", params={"n": 1}, community=world["support"])
    last = make_badge("first_post", slug="never-reached")
    real = awarding._record_awarded

    def record(badge, at_):
        real(badge, at_)
        if badge.pk == broken.pk:  # its awards and entries are written: then it dies
            raise RuntimeError("the worker died")

    monkeypatch.setattr(awarding, "_record_awarded", record)
    with pytest.raises(RuntimeError, match="the worker died"):
        awarding.backfill()
    assert len(awards_of(first)) == 3
    assert awards_of(broken) == {} and awards_of(last) == {}
    entries = Activity.objects.filter(verb="badge.awarded")
    assert {e.data["badge"] for e in entries} == {first.slug}
    # The badge awarded before the failure told its members.
    assert Notice.objects.filter(kind=Notice.Kind.SUMMARY).count() == 3
    # Run again once mended: only what is missing.
    monkeypatch.setattr(awarding, "_record_awarded", real)
    result = awarding.backfill()
    assert result["badges"] == {first.slug: 0, broken.slug: 1, last.slug: 3}
    assert len(awards_of(first)) == 3


def test_a_template_that_fails_stops_the_run_after_the_badges_before_it(world, monkeypatch):
    history(world)
    first = make_badge("first_post", community=world["support"])
    broken = make_badge("accepted_answers", community=world["support"])
    real = rules.get("accepted_answers")

    def explode(params, community, user_ids=None):
        raise RuntimeError("bad template")

    monkeypatch.setitem(
        rules._rules, "accepted_answers", rules.Rule(**{**vars(real), "query": explode})
    )
    with pytest.raises(RuntimeError, match="bad template"):
        awarding.backfill()
    assert len(awards_of(first)) == 3 and awards_of(broken) == {}


def test_award_existing_is_a_backfill_of_one_badge(world):
    history(world)
    other = make_badge("first_post", community=world["club"])
    badge = make_badge("accepted_answers", community=world["support"])
    assert awarding.award_existing(badge) == 1
    assert awards_of(badge) == {world["alice"].pk: at(3)}
    assert awards_of(other) == {}
    (summary,) = Notice.objects.all()
    assert summary.kind == Notice.Kind.SUMMARY and summary.data["badges"] == [badge.slug]
    assert awarding.award_existing(badge) == 0


# --- as things happen: real actions -----------------------------------------------------


@pytest.fixture
def forum(world, add_member, make_user, staff):
    return {**world, "manager": staff}


def test_a_reply_awards_the_first_post_badge_at_once(forum, capture_events):
    alice, bob = forum["alice"], forum["bob"]
    badge = make_badge("first_post", community=forum["support"])
    site = make_badge("first_post", slug="site-first")
    elsewhere = make_badge("first_post", community=forum["club"])
    thread = actions.create_thread(
        forum["manager"], forum["support"], kind="question", title="Brakes", body="Squeak?"
    )
    with capture_events(f"me:{alice.pk}", f"me:{bob.pk}") as events:
        post = actions.reply(alice, thread, body="Clean the pads.")
    award = Award.objects.get(badge=badge, user=alice)
    assert award.awarded_at == post.created_at
    assert Award.objects.filter(badge=site, user=alice).exists()
    assert not Award.objects.filter(badge=elsewhere).exists()
    assert Notice.objects.filter(user=alice, kind=Notice.Kind.BADGE).count() == 2
    awarded = [e for e in events if e.get("event") == "badge.awarded"]
    assert sorted(e["data"]["badge"] for e in awarded) == sorted([badge.slug, site.slug])
    assert {e["stream"] for e in awarded} == {f"me:{alice.pk}"}
    assert awarded[0]["data"]["awarded_at"] == post.created_at.isoformat()
    stored = Event.objects.filter(stream=f"me:{alice.pk}", event="badge.awarded")
    assert stored.count() == 2
    entry = Activity.objects.get(verb="badge.awarded", target_user=alice, object_id=award.pk)
    assert entry.data == {"badge": badge.slug, "awarded_at": post.created_at.isoformat()}
    # Another reply: nothing more.
    with capture_events(f"me:{alice.pk}") as events:
        actions.reply(alice, thread, body="Or change them.")
    assert not [e for e in events if e.get("event") == "badge.awarded"]
    assert Notice.objects.filter(user=alice).count() == 2


def test_the_second_acceptance_awards_at_its_own_date(forum, capture_events):
    alice, bob = forum["alice"], forum["bob"]
    badge = make_badge("accepted_answers", params={"n": 2}, community=forum["support"])
    dates = []
    for title in ("One", "Two"):
        question = actions.create_thread(
            bob, forum["support"], kind="question", title=title, body="Help?"
        )
        answer = actions.reply(alice, question, body="This.")
        with capture_events(f"me:{alice.pk}") as events:
            actions.accept_answer(bob, question, answer)
        dates.append(Activity.objects.get(verb="answer.accepted", object_id=answer.pk).created_at)
    awarded = [e for e in events if e.get("event") == "badge.awarded"]
    assert [e["data"]["badge"] for e in awarded] == [badge.slug]
    assert Award.objects.get(badge=badge, user=alice).awarded_at == dates[1]
    assert Notice.objects.filter(user=alice, badge=badge).count() == 1


def test_reacting_to_ones_own_post_awards_nothing(forum, capture_events):
    alice, bob = forum["alice"], forum["bob"]
    badge = make_badge("post_reactions", params={"n": 1}, community=forum["club"])
    thread = actions.create_thread(alice, forum["club"], kind="discussion", title="Hi", body="Yo")
    post = thread.posts.get()
    with capture_events(f"me:{alice.pk}"):
        actions.react(alice, post, kind="like")
    assert not Award.objects.filter(badge=badge).exists()
    with capture_events(f"me:{alice.pk}") as events:
        actions.react(bob, post, kind="like")
    award = Award.objects.get(badge=badge)
    assert award.user_id == alice.pk
    reaction = post.reactions.get(user=bob)
    assert award.awarded_at == reaction.created_at
    assert [e["data"]["badge"] for e in events if e.get("event") == "badge.awarded"] == [badge.slug]


def test_the_receiver_evaluates_only_the_members_of_the_event(
    forum, django_capture_on_commit_callbacks
):
    """Carol qualifies from the past but did nothing now: she waits for the backfill."""
    alice, carol = forum["alice"], forum["carol"]
    h.thread(forum["club"], carol, at(1))
    badge = make_badge("first_post", community=forum["club"])
    thread = actions.create_thread(
        forum["manager"], forum["club"], kind="discussion", title="T", body="B"
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply(alice, thread, body="Hello")
    assert set(awards_of(badge)) == {alice.pk}


def test_a_disabled_badge_is_not_awarded(forum, django_capture_on_commit_callbacks):
    badge = make_badge("first_post", community=forum["club"], enabled=False)
    thread = actions.create_thread(
        forum["manager"], forum["club"], kind="discussion", title="T", body="B"
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply(forum["alice"], thread, body="Hello")
    assert not Award.objects.filter(badge=badge).exists()


def test_a_badge_whose_template_is_gone_is_left_out(world, caplog):
    history(world)
    first = make_badge("first_post", community=world["support"])
    Badge.objects.create(slug="retired", name="Retired", rule="retired_rule", enabled=True)
    result = awarding.backfill()
    assert result["badges"] == {first.slug: 3}
    assert "retired_rule" in caplog.text


def test_an_event_reads_little_and_nothing_once_everything_is_held(world):
    """The receiver: the badges concerned (the cached catalogue says which, then their
    rows) and what the members hold, then one look per badge they lack; none once they
    hold them all. An event no enabled badge listens to costs nothing."""
    alice = world["alice"]
    h.thread(world["club"], alice, at(1))
    for slug in ("a", "b", "c"):
        make_badge("first_post", community=world["club"], slug=slug)
    make_badge("perfectionist", community=world["club"], slug="not-this-verb")
    entry = Activity(verb="post.created", actor=alice, community=world["club"])
    catalogue.badges()  # cached, as after any page that drew a badge
    with CaptureQueriesContext(connection) as captured:
        assert awarding.on_activity(entry) == 3
    reads = [q for q in data_statements(captured.captured_queries) if q.startswith("SELECT")]
    assert len(reads) == 2 + 3  # badges, held, a look per badge
    with CaptureQueriesContext(connection) as captured:
        assert awarding.on_activity(entry) == 0
    assert len(data_statements(captured.captured_queries)) == 2
    assert awarding.on_activity(Activity(verb="thread.locked", actor=alice)) == 0
    with CaptureQueriesContext(connection) as captured:
        assert awarding.on_activity(Activity(verb="answer.accepted", actor=alice)) == 0
    assert captured.captured_queries == []  # no badge here counts accepted answers

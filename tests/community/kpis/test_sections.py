"""Ideas, content, moderation and social figures, computed by hand from known histories.

The range is Monday 10 and Tuesday 11 March 2025 (Paris); Sunday 9 is before it and
Wednesday 12 after it. Histories are written through the real actions at known moments
(``history.at``), except a few ledger entries written as the contract says they are.
"""

import datetime

import pytest

from badges.actions import awards
from badges.actions.endorsements import endorse
from cms.events import actions as events
from cms.models import ArticlePage, EventPage, OfferPage
from cms.offers import actions as offers
from cms.surfaces.actions import record_view
from community import activity
from community.kpis import period, scope, sections
from community.models import Activity
from forums import actions as forums
from forums.moderation.queue import actions as queue
from forums.moderation.queue import flags
from forums.moderation.queue.models import QueueItem
from tests.cms.conftest import ensure_site
from tests.community.kpis.history import at, local

LATER = local(31, 12)


def two_days(now=LATER):
    return period.parse("2025-03-10", "2025-03-11", "day", now=now)


@pytest.fixture
def club(staff, make_community, make_user, add_member):
    community = make_community("club")
    people = {name: make_user(username=name) for name in ("ann", "bob", "eve", "mod")}
    add_member(community, people["mod"], role="moderator")
    for name in ("ann", "bob", "eve"):
        add_member(community, people[name])
    people["staff"] = staff
    return community, people


def entry(verb, when, community, **fields):
    """A ledger entry as its app writes it (for sizes the actions would make slow)."""
    return Activity.objects.create(verb=verb, created_at=when, community=community, **fields)


# --- Ideas --------------------------------------------------------------------------------


def test_ideas_by_hand(club, make_community):
    community, p = club

    def idea(author, when, title, kind="idea"):
        with at(when):
            return forums.create_thread(author, community, kind=kind, title=title, body="So.")

    def status(thread, when, value, note=""):
        with at(when):
            forums.set_idea_status(p["staff"], thread, status=value, note=note)

    def vote(member, thread, when):
        with at(when):
            forums.vote(member, thread)

    idea(p["ann"], local(9, 20), "Before the range")
    lights = idea(p["ann"], local(10, 10), "Brighter lights")
    bells = idea(p["bob"], local(10, 11), "Louder bells")
    idea(p["bob"], local(10, 12), "Not an idea", kind="discussion")
    vote(p["eve"], lights, local(10, 12))
    vote(p["mod"], lights, local(10, 13))
    vote(p["bob"], lights, local(10, 13, 30))
    vote(p["bob"], lights, local(10, 13, 40))  # withdrawn: takes nothing back
    status(lights, local(10, 14), "planned")
    status(bells, local(10, 15), "planned")
    status(lights, local(11, 10), "done")
    status(bells, local(11, 11), "planned", note="Still planned")  # a note: no change
    status(bells, local(12, 9), "done")  # after the range
    other = make_community("other")
    with at(local(10, 10)):
        forums.create_thread(p["staff"], other, kind="idea", title="Elsewhere", body="So.")
    assert sections.ideas(scope.of(community), two_days()) == {
        "submitted": 2,  # lights, bells (Sunday's is before, the discussion is no idea)
        "votes": 3,  # eve, mod, bob (bob's withdrawal takes nothing back)
        "status_changes": 3,  # lights new -> planned -> done, bells new -> planned
        "shipped": 1,  # lights; bells only on Wednesday
    }
    assert sections.ideas(scope.site(), two_days())["submitted"] == 3


# --- Content ------------------------------------------------------------------------------


def _page(model, title, community, **fields):
    home = ensure_site()
    page = model(
        title=title,
        teaser=f"About {title}",
        audience="members",
        discussion_community=community,
        **fields,
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_content_by_hand(club, django_assert_num_queries):
    community, p = club
    ann, bob, eve, staff = p["ann"], p["bob"], p["eve"], p["staff"]
    guide = _page(ArticlePage, "Winter guide", community)
    news = _page(ArticlePage, "Spring news", community)
    loose = _page(ArticlePage, "No discussion", None)  # its entries belong to no community
    offer = _page(OfferPage, "Ten percent", community, code_mode="shared", shared_code="V10")
    starts = local(20, 18)
    event = _page(
        EventPage,
        "Night ride",
        community,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        place="Lyon",
    )

    def view(member, page, when):
        with at(when):
            assert record_view(member, page)

    view(ann, guide, local(9, 20))  # before the range
    view(ann, guide, local(10, 10))
    view(ann, guide, local(11, 10))  # a new day: a new view, the same viewer
    view(bob, guide, local(10, 11))
    view(eve, news, local(10, 12))
    view(ann, loose, local(10, 12))
    view(bob, news, local(12, 9))  # after the range
    for member, when in ((ann, local(10, 15)), (bob, local(11, 15)), (eve, local(12, 9))):
        with at(when):
            offers.reveal(member, offer)
    for member, when in ((ann, local(10, 16)), (bob, local(10, 17)), (eve, local(11, 9))):
        with at(when):
            events.register(member, event, now=when)
    with at(local(11, 10)):
        events.cancel(bob, event, now=local(11, 10))
    with at(local(11, 12)):
        events.mark_attended(staff, event, ann, now=local(11, 12))
        events.mark_attended(staff, event, eve, now=local(11, 12))
    with at(local(11, 13)):
        events.mark_attended(staff, event, eve, attended=False, now=local(11, 13))
    with at(local(12, 9)):  # taken back after the range: the range keeps it
        events.mark_attended(staff, event, ann, attended=False, now=local(12, 9))

    with django_assert_num_queries(4):  # counts, reach, page titles, attendance
        figures = sections.content(scope.of(community), two_days())
    assert figures == {
        "views": 4,  # ann guide Mon + Tue, bob guide, eve news (the loose page is no one's)
        "reach": [
            {"object_type": "contentpage", "id": guide.pk, "label": "Winter guide", "viewers": 2},
            {"object_type": "contentpage", "id": news.pk, "label": "Spring news", "viewers": 1},
        ],
        "code_reveals": 2,  # ann, bob (eve's on Wednesday)
        # Registered: ann, bob, eve; bob cancelled; attended: ann (eve's taken back).
        "rsvps": {"registered": 3, "cancelled": 1, "attended": 1},
    }
    site = sections.content(scope.site(), two_days())
    assert site["views"] == 5  # and the loose page's view
    assert [row["label"] for row in site["reach"]] == [
        "Winter guide",
        "Spring news",  # ties by page id
        "No discussion",
    ]


@pytest.mark.parametrize("pages", [2, 20])
def test_content_queries_do_not_grow(pages, club, django_assert_num_queries):
    community, p = club
    for page in range(pages):
        for verb, kind in (
            ("content.viewed", "contentpage"),
            ("offer.revealed", "offerpage"),
            ("event.registered", "eventpage"),
        ):
            entry(verb, local(10, 10), community, actor=p["ann"], object_type=kind, object_id=page)
        entry(
            "event.attended",
            local(10, 11),
            community,
            target_user=p["ann"],
            object_type="eventpage",
            object_id=page,
        )
    with django_assert_num_queries(4):
        figures = sections.content(scope.of(community), two_days())
    assert figures["views"] == pages
    assert figures["rsvps"]["attended"] == pages
    assert len(figures["reach"]) == min(pages, sections.REACH_TOP)


# --- Moderation ---------------------------------------------------------------------------


def test_moderation_by_hand(club, make_user, add_member):
    community, p = club
    ann, eve, mod = p["ann"], p["eve"], p["mod"]
    authors = {name: make_user(username=name) for name in ("bo", "cy", "di", "ed")}
    for author in authors.values():
        add_member(community, author)
    with at(local(9, 8)):
        thread = forums.create_thread(mod, community, kind="discussion", title="Rides", body=".")
    posts = {}
    for name, author in authors.items():
        with at(local(9, 9)):
            posts[name] = forums.reply(author, thread, body=f"Post by {name}")

    def flag(member, name, when):
        with at(when):
            flags.flag_post(member, posts[name], reason="spam")

    def decide(name, when, upheld):
        item = QueueItem.objects.get(post=posts[name], state="open")
        with at(when):
            if upheld:
                queue.reject(mod, item, reason="Spam")
            else:
                queue.approve(mod, item)

    flag(ann, "di", local(9, 20))  # Sunday: before the range
    decide("di", local(10, 8), upheld=False)  # resolved Monday: 12 h = 43200 s
    flag(ann, "bo", local(10, 10))
    flag(eve, "bo", local(10, 10, 30))  # the same item: its time runs from 10:00
    decide("bo", local(10, 11), upheld=True)  # 1 h = 3600 s; hides bo's post
    flag(ann, "cy", local(10, 12))
    decide("cy", local(11, 12), upheld=False)  # 24 h = 86400 s
    flag(ann, "ed", local(11, 20))  # still open
    with at(local(11, 9)):
        forums.hide_post(mod, posts["cy"], reason="Rude")  # hidden by hand
    with at(local(12, 9)):
        forums.hide_post(mod, posts["ed"], reason="Rude")  # after the range
    assert sections.moderation(scope.of(community), two_days()) == {
        "flags": 4,  # bo twice, cy, ed (di's on Sunday)
        "flags_resolved": 3,  # di, bo, cy
        "resolve_median_seconds": 43200.0,  # median of 3600, 43200, 86400
        "hidden_posts": 2,  # bo's (flags upheld), cy's (by hand)
    }


@pytest.mark.parametrize("count", [2, 20])
def test_moderation_queries_do_not_grow(count, club, make_user, django_assert_num_queries):
    community, _p = club
    for n in range(count):
        subject = make_user()
        entry("flag.created", local(10, 9), community, target_user=subject, data={"thread": n})
        entry("post.hidden", local(10, 9), community, target_user=subject)
        entry(
            "queue.rejected",
            local(10, 10),
            community,
            target_user=subject,
            data={"kind": "flagged"},
        )
    with django_assert_num_queries(3):  # counts, decisions, their flags
        figures = sections.moderation(scope.of(community), two_days())
    assert figures == {
        "flags": count,
        "flags_resolved": count,
        "resolve_median_seconds": 3600.0,
        "hidden_posts": count,
    }


# --- Social value -------------------------------------------------------------------------


def _level(community, member, when, after, before=0):
    with at(when):
        activity.record(
            "level.changed",
            community=community,
            target_user=member,
            before=before,
            after=after,
            points=10 * after,
        )


def test_social_by_hand(club, make_user, add_member, make_community):
    community, p = club
    ann, bob, eve, staff = p["ann"], p["bob"], p["eve"], p["staff"]
    badge = awards.create_badge(
        staff, community=community, name="Helper", mode="manual", enabled=True
    )
    for member, when in ((ann, local(10, 10)), (bob, local(11, 10)), (eve, local(12, 10))):
        with at(when):
            awards.grant(staff, badge, member, reason="Helps")
    for actor, target, quality, when in (
        (ann, bob, "helpful", local(10, 11)),
        (eve, bob, "kind", local(11, 11)),
        (bob, ann, "clear", local(9, 11)),  # before the range
    ):
        with at(when):
            endorse(actor, target, community, quality)
    gone = make_user()
    add_member(community, gone)
    _level(community, ann, local(9, 10), 1)
    _level(community, ann, local(11, 10), 2, before=1)
    _level(community, bob, local(10, 10), 1)
    _level(community, eve, local(10, 10), 1)
    _level(community, eve, local(12, 10), 2, before=1)  # after the range: still 1
    _level(community, gone, local(10, 10), 3)
    gone.delete()  # a deleted account: its entries stay, without the member
    other = make_community("other")
    _level(other, ann, local(10, 10), 4)
    assert sections.social(scope.of(community), two_days()) == {
        "badges_awarded": 2,  # ann, bob (eve's on Wednesday)
        "endorsements": 2,  # bob twice (ann's on Sunday)
        "members_per_level": {"1": 2, "2": 1},  # bob, eve at 1; ann at 2
    }
    assert sections.social(scope.site(), two_days())["members_per_level"] == {
        "1": 2,
        "2": 1,
        "4": 1,
    }


@pytest.mark.parametrize("count", [2, 20])
def test_social_queries_do_not_grow(count, club, make_user, django_assert_num_queries):
    community, _p = club
    for n in range(count):
        member = make_user()
        entry("badge.granted", local(10, 9), community, target_user=member)
        entry("endorsement.added", local(10, 9), community, target_user=member)
        for hour, rank in ((9, 1), (10, 1 + n % 3)):
            entry(
                "level.changed",
                local(10, hour),
                community,
                target_user=member,
                data={"after": rank},
            )
    with django_assert_num_queries(2):  # counts, levels
        figures = sections.social(scope.of(community), two_days())
    assert figures["badges_awarded"] == figures["endorsements"] == count
    assert sum(figures["members_per_level"].values()) == count


@pytest.mark.parametrize("count", [2, 20])
def test_ideas_queries_do_not_grow(count, club, django_assert_num_queries):
    community, _p = club
    for _n in range(count):
        entry("thread.created", local(10, 9), community, data={"kind": "idea"})
        entry("idea.voted", local(10, 9), community)
        entry(
            "idea.status_changed", local(10, 9), community, data={"before": "new", "after": "done"}
        )
    with django_assert_num_queries(1):
        assert sections.ideas(scope.of(community), two_days()) == {
            "submitted": count,
            "votes": count,
            "status_changes": count,
            "shipped": count,
        }

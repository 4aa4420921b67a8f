"""content.published: a page's first publication (by an editor, or on schedule) is
recorded once and told to every member of its audience (cms.conversation)."""

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from wagtail.models import Revision

from cms.conversation import jobs, receivers
from cms.models import ContentNotice
from community.models import Activity, User

KEYS = {"id", "type", "title", "url", "teaser", "published_at"}


@pytest.fixture
def club_world(make_community, make_user, add_member, staff):
    club = make_community("club", name="Club", visibility="private", join_policy="request")
    fans = [make_user() for _ in range(3)]
    for fan in fans:
        add_member(club, fan)
    outsider, banned = make_user(), make_user()
    add_member(club, banned)
    add_member(club, banned, state="banned")
    return {"club": club, "fans": fans, "outsider": outsider, "banned": banned}


def published_events(events):
    return [e for e in events if e.get("event") == "content.published"]


def test_first_publication_is_recorded_and_told_to_the_audience(
    club_world, make_page, marketer, capture_events
):
    fans, outsider, banned = club_world["fans"], club_world["outsider"], club_world["banned"]
    streams = [f"me:{user.pk}" for user in [*fans, outsider, banned, marketer]]
    with capture_events(*streams) as events:
        page = make_page(
            "offer", audience="chosen", rules=[("community", club_world["club"])], user=marketer
        )
    entry = Activity.objects.get(verb="content.published")
    assert entry.object_id == page.pk and entry.object_type == "contentpage"
    assert entry.actor == marketer
    assert entry.data == {"type": "offer", "audience": "chosen"}
    notified = set(
        ContentNotice.objects.filter(page=page, kind="published").values_list("user_id", flat=True)
    )
    # The fans and the club's manager (staff, who made it); not the outsider, the banned
    # member, nor the marketer who published it.
    reached = {fan.pk for fan in fans} | {club_world["club"].created_by_id}
    assert notified == reached
    sent = published_events(events)
    assert sorted(e["stream"] for e in sent) == sorted(f"me:{fan.pk}" for fan in fans)
    data = sent[0]["data"]
    assert set(data) == KEYS
    assert data["id"] == page.pk and data["type"] == "offer" and data["url"] == page.url
    assert data["teaser"] == page.teaser and data["published_at"].endswith("Z")
    assert "VELO-SHARED" not in str(sent)  # the code is never in an announcement


def test_everyone_and_members_reach_every_active_account(make_page, make_user, capture_events):
    users = [make_user() for _ in range(3)]
    gone = make_user(is_active=False)
    with capture_events(*[f"me:{u.pk}" for u in [*users, gone]]) as events:
        page = make_page("article", audience="everyone")
    told = set(ContentNotice.objects.filter(page=page).values_list("user_id", flat=True))
    assert {u.pk for u in users} <= told and gone.pk not in told
    assert len(published_events(events)) == 3


def test_publishing_again_announces_nothing_more(
    club_world, make_page, capture_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_page("article", audience="chosen", rules=[("community", club_world["club"])])
    fan = club_world["fans"][0]
    with capture_events(f"me:{fan.pk}") as events:
        page.title = "Edited"
        page.save_revision().publish()
        page.unpublish()
        page.save_revision().publish()
    assert Activity.objects.filter(verb="content.published").count() == 1
    assert ContentNotice.objects.filter(page=page).count() == 4  # three fans, the manager
    assert published_events(events) == []


def test_draft_announces_nothing(club_world, make_page):
    make_page("article", audience="members", publish=False, live=False)
    assert not Activity.objects.filter(verb="content.published").exists()
    assert not ContentNotice.objects.exists()


def test_rolled_back_publication_emits_nothing(club_world, make_page, capture_events):
    fan = club_world["fans"][0]
    with (
        capture_events(f"me:{fan.pk}") as events,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_page("article", audience="chosen", rules=[("community", club_world["club"])])
        raise RuntimeError
    assert events == []
    assert not Activity.objects.filter(verb="content.published").exists()
    assert not ContentNotice.objects.exists()


def test_fan_out_in_batches_tells_nobody_twice(
    club_world, make_page, make_user, add_member, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(receivers, "BATCH", 2)
    for _ in range(3):
        add_member(club_world["club"], make_user())
    told = []
    monkeypatch.setattr(
        receivers.actions,
        "notify_audience",
        lambda page, ids, real=receivers.actions.notify_audience: (
            told.append(len(ids)) or real(page, ids)
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = make_page("article", audience="chosen", rules=[("community", club_world["club"])])
    # Six members (three fans, three more) and the club's manager (staff), two at a time.
    assert told == [2, 2, 2, 1]
    assert ContentNotice.objects.filter(page=page).count() == 7
    entry = Activity.objects.get(verb="content.published")
    with django_capture_on_commit_callbacks(execute=True):
        assert receivers.fan_out(entry) == 0  # a retried task: everyone was told
    assert ContentNotice.objects.filter(page=page).count() == 7


@pytest.mark.parametrize("n", [3, 12])
def test_fan_out_queries_per_member_are_constant(
    make_page, make_user, django_assert_max_num_queries, django_capture_on_commit_callbacks, n
):
    page = make_page("article", audience="members")
    ContentNotice.objects.all().delete()
    for _ in range(n):
        make_user()
    entry = Activity.objects.get(verb="content.published")
    members = User.objects.filter(is_active=True).count()  # the audience: every account
    # Per member: its event's savepoint, its stream's counter and the stored event
    # (realtime.publish); the rest is per batch (ids, the already-told, one insert).
    with django_assert_max_num_queries(10 + 4 * members):
        receivers.fan_out(entry)
    assert ContentNotice.objects.filter(page=page).count() >= n


# --- Scheduled publishing ---------------------------------------------------------------


def schedule(make_page, **kwargs):
    """A page scheduled in the future, then its time come (the approved go-live time moved
    into the past, as the clock would have it)."""
    go_live = timezone.now() + datetime.timedelta(hours=1)
    page = make_page(publish=False, live=False, go_live_at=go_live, **kwargs)
    revision = page.latest_revision
    revision.publish()
    page.refresh_from_db()
    assert not page.live
    past = timezone.now() - datetime.timedelta(minutes=1)
    content = {**revision.content, "go_live_at": past.isoformat()}
    Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=past, content=content)
    type(page).objects.filter(pk=page.pk).update(go_live_at=past)
    return page


def test_scheduled_page_is_announced_when_publish_scheduled_runs(
    club_world, make_page, marketer, capture_events
):
    fan = club_world["fans"][0]
    page = schedule(
        make_page,
        kind="event",
        audience="chosen",
        rules=[("community", club_world["club"])],
        user=marketer,
    )
    assert not Activity.objects.filter(verb="content.published").exists()  # only scheduled
    with capture_events(f"me:{fan.pk}") as events:
        call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.live
    entry = Activity.objects.get(verb="content.published")
    assert entry.data == {"type": "event", "audience": "chosen", "scheduled": True}
    assert entry.actor == marketer  # who saved the scheduled revision
    assert [e["data"]["id"] for e in published_events(events)] == [page.pk]
    assert ContentNotice.objects.filter(page=page, user=fan).exists()
    call_command("publish_scheduled")  # nothing left to publish, nothing told twice
    assert Activity.objects.filter(verb="content.published").count() == 1


def test_clock_job_runs_publish_scheduled_every_five_minutes(make_page):
    page = schedule(make_page, kind="article", audience="members")
    at = timezone.now().replace(minute=7)
    assert jobs.publish_scheduled(at) is False
    page.refresh_from_db()
    assert not page.live
    assert jobs.publish_scheduled(at.replace(minute=10)) is True
    page.refresh_from_db()
    assert page.live
    assert Activity.objects.filter(verb="content.published", data__scheduled=True).exists()


def test_clock_has_the_job():
    from forums.moderation.care import clock

    assert jobs.publish_scheduled in clock.jobs()

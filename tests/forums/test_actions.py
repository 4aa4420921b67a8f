"""Threads and posts through the actions: kinds, idempotency, permissions, events."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from community import actions as community_actions
from community.errors import Conflict
from community.models import Membership
from forums import actions, payloads
from forums.models import Post, PostRevision, Thread

# Row locks and text rules differ on PostgreSQL: these run there too.
pytestmark = pytest.mark.postgres_too


@pytest.fixture
def forum(make_community, make_user, add_member):
    support = make_community("support", visibility="private", join_policy="request", kind="support")
    member, other, moderator, outsider = make_user(), make_user(), make_user(), make_user()
    for user in (member, other):
        add_member(support, user)
    add_member(support, moderator, role="moderator")
    return {
        "community": support,
        "member": member,
        "other": other,
        "moderator": moderator,
        "outsider": outsider,
    }


def question(forum, **extra):
    return actions.create_thread(
        forum["member"],
        forum["community"],
        kind="question",
        title="Brakes squeak",
        body="My **brakes** squeak, why?",
        **extra,
    )


@pytest.mark.django_db
def test_create_thread_with_its_first_post(forum, capture_events):
    with capture_events("community:support") as events:
        thread = question(forum)
    assert thread.kind == "question" and thread.post_count == 1
    post = thread.posts.get()
    assert post.number == 1 and "<strong>brakes</strong>" in post.html
    assert [e["event"] for e in events] == ["thread.created"]
    assert events[0]["data"]["title"] == "Brakes squeak"


@pytest.mark.django_db
def test_reply_numbers_posts_and_records_first_response(forum, capture_events):
    thread = question(forum)
    own = actions.reply(forum["member"], thread, body="Any idea?")
    assert own.number == 2
    thread.refresh_from_db()
    assert thread.first_response_at is None  # the asker talking to themselves
    with capture_events(f"thread:{thread.pk}") as events:
        answer = actions.reply(forum["other"], thread, body="Clean the pads.")
    thread.refresh_from_db()
    assert answer.number == 3 and thread.post_count == 3
    assert thread.first_response_at == answer.created_at
    # One event for the page: the post says it all (the thread list gets the counters).
    assert [e["event"] for e in events] == ["post.created"]
    assert events[0]["data"]["html"] == "<p>Clean the pads.</p>"


@pytest.mark.django_db
def test_a_post_made_live_carries_its_authors_standing(forum, capture_events):
    """What the page shows next to a post (avatar, role badge), for the live copy of it."""
    thread = question(forum)
    with capture_events(f"thread:{thread.pk}") as events:
        actions.reply(forum["moderator"], thread, body="Check the pads.")
        actions.reply(forum["other"], thread, body="Same here.")
    moderator, member = (event["data"]["author"] for event in events)
    # The keys the forums give (other apps add theirs: community.facets).
    moderator = {key: moderator[key] for key in ("username", "display_name", "avatar", "role")}
    assert moderator == {
        "username": forum["moderator"].username,
        "display_name": forum["moderator"].profile.name,
        "avatar": None,
        "role": "moderator",
    }
    assert member["role"] is None and member["avatar"] is None


@pytest.mark.django_db
def test_a_reply_reads_the_authors_membership_only_for_its_permission_checks(forum):
    """The live post's role comes from the membership the check under the lock read."""
    thread = question(forum)
    table = Membership._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        actions.reply(forum["moderator"], Thread.objects.get(pk=thread.pk), body="Pads.")
    reads = [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"]]
    assert len(reads) == 2  # check_reply before the lock, and again under it


@pytest.mark.django_db
def test_the_same_client_id_makes_one_post(forum):
    thread = question(forum, client_id="t-1")
    assert question(forum, client_id="t-1") == thread
    first = actions.reply(forum["other"], thread, body="Hi", client_id="abc")
    again = actions.reply(forum["other"], thread, body="Hi", client_id="abc")
    assert first == again and getattr(again, "replayed", False)
    assert Post.objects.filter(thread=thread).count() == 2
    other_thread = question(forum)
    with pytest.raises(Conflict):
        actions.reply(forum["other"], other_thread, body="Hi", client_id="abc")


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["", "   \n\t ", "a\x00b", None, 42])
def test_empty_or_broken_bodies_are_refused(forum, body):
    thread = question(forum)
    with pytest.raises(ValidationError):
        actions.reply(forum["other"], thread, body=body)


@pytest.mark.django_db
def test_body_length_limit(forum, settings):
    settings.FORUMS_MAX_POST_LENGTH = 100
    thread = question(forum)
    actions.reply(forum["other"], thread, body="x" * 100)
    with pytest.raises(ValidationError):
        actions.reply(forum["other"], thread, body="x" * 101)


@pytest.mark.django_db
def test_who_may_post(forum, staff):
    thread = question(forum)
    with pytest.raises(PermissionDenied):  # private community, not a member
        actions.reply(forum["outsider"], thread, body="hello")
    with pytest.raises(PermissionDenied):
        actions.create_thread(
            forum["outsider"], forum["community"], kind="discussion", title="x", body="y"
        )
    community_actions.ban(staff, forum["community"], forum["other"])
    with pytest.raises(PermissionDenied) as refused:
        actions.reply(forum["other"], thread, body="still here?")
    assert refused.value.code == "banned"
    with pytest.raises(PermissionDenied):  # announcements are for managers
        actions.create_thread(
            forum["member"], forum["community"], kind="announcement", title="x", body="y"
        )
    with pytest.raises(ValidationError):
        actions.create_thread(forum["member"], forum["community"], kind="poll", title="x", body="y")


@pytest.mark.django_db
def test_hidden_community_threads_are_404(make_community, make_user, add_member):
    club = make_community("club", visibility="hidden", join_policy="invite")
    member, outsider = make_user(), make_user()
    add_member(club, member)
    thread = actions.create_thread(member, club, kind="discussion", title="Ride", body="Sunday?")
    with pytest.raises(Http404):
        actions.reply(outsider, thread, body="let me in")


@pytest.mark.django_db
def test_locked_threads_and_closed_announcements(forum, staff):
    thread = question(forum)
    actions.set_locked(forum["moderator"], thread, locked=True)
    thread.refresh_from_db()
    with pytest.raises(PermissionDenied) as refused:
        actions.reply(forum["other"], thread, body="late")
    assert refused.value.code == "locked"
    actions.reply(forum["moderator"], thread, body="Closing note.")  # moderators still may
    with pytest.raises(PermissionDenied):
        actions.set_locked(forum["member"], thread, locked=False)
    announcement = actions.create_thread(
        staff,
        forum["community"],
        kind="announcement",
        title="New shop",
        body="Open!",
        replies_allowed=False,
    )
    assert announcement.pinned
    with pytest.raises(PermissionDenied) as refused:
        actions.reply(forum["member"], announcement, body="yay")
    assert refused.value.code == "replies_closed"


@pytest.mark.django_db
def test_edit_keeps_history_and_delete_leaves_a_placeholder(forum, capture_events):
    thread = question(forum)
    post = actions.reply(forum["other"], thread, body="first version")
    with pytest.raises(PermissionDenied):
        actions.edit_post(forum["member"], post, body="not mine")
    with capture_events(f"thread:{thread.pk}") as events:
        edited = actions.edit_post(forum["other"], post, body="second version")
    assert edited.edited_at and "second version" in edited.html
    assert PostRevision.objects.get(post=post).body == "first version"
    assert events[0]["event"] == "post.edited"
    actions.edit_post(forum["moderator"], post, body="moderated")
    deleted = actions.delete_post(forum["other"], post)
    assert deleted.deleted_at and payloads.post_data(deleted)["body"] == ""
    with pytest.raises(PermissionDenied):
        actions.edit_post(forum["other"], post, body="back")


@pytest.mark.django_db
def test_reactions_toggle_one_of_each(forum):
    thread = question(forum)
    post = actions.reply(forum["other"], thread, body="Try this.")
    assert actions.react(forum["member"], post, kind="helpful") is True
    assert actions.react(forum["moderator"], post, kind="helpful") is True
    assert actions.react(forum["member"], post, kind="love") is True
    post.refresh_from_db()
    assert post.reaction_counts == {"helpful": 2, "love": 1}
    assert actions.react(forum["member"], post, kind="helpful") is False
    post.refresh_from_db()
    assert post.reaction_counts == {"helpful": 1, "love": 1}
    with pytest.raises(ValidationError):
        actions.react(forum["member"], post, kind="angry")
    with pytest.raises(PermissionDenied):
        actions.react(forum["outsider"], post, kind="like")


@pytest.mark.django_db
def test_accepting_an_answer(forum, capture_events):
    thread = question(forum)
    answer = actions.reply(forum["other"], thread, body="Clean the pads.")
    with pytest.raises(PermissionDenied):  # not the asker, not a moderator
        actions.accept_answer(forum["other"], thread, answer)
    with pytest.raises(PermissionDenied):  # the question itself is no answer
        actions.accept_answer(forum["member"], thread, thread.posts.get(number=1))
    with capture_events("community:support") as events:
        actions.accept_answer(forum["member"], thread, answer)
    thread.refresh_from_db()
    assert thread.is_solved and thread.accepted_post == answer
    assert events[0]["data"]["solved"] is True
    actions.delete_post(forum["other"], answer)
    thread.refresh_from_db()
    assert not thread.is_solved


@pytest.mark.django_db
def test_idea_votes_and_status(forum, staff):
    idea = actions.create_thread(
        forum["member"], forum["community"], kind="idea", title="Dark mode", body="Please."
    )
    assert idea.idea_status == "new"
    assert actions.vote(forum["other"], idea) is True
    assert actions.vote(forum["moderator"], idea) is True
    assert actions.vote(forum["other"], idea) is False
    idea.refresh_from_db()
    assert idea.vote_count == 1
    with pytest.raises(PermissionDenied):
        actions.set_idea_status(forum["moderator"], idea, status="planned")
    actions.set_idea_status(staff, idea, status="planned", note="Coming in spring.")
    idea.refresh_from_db()
    assert (idea.idea_status, idea.idea_status_note) == ("planned", "Coming in spring.")
    with pytest.raises(ValidationError):
        actions.set_idea_status(staff, idea, status="maybe")
    discussion = question(forum)
    with pytest.raises(PermissionDenied):
        actions.vote(forum["other"], discussion)


@pytest.mark.django_db
def test_thread_list_reflects_activity(forum):
    older = question(forum)
    newer = question(forum)
    actions.reply(forum["other"], older, body="bump")
    from forums import queries

    rows, _cursor = queries.threads(forum["community"])
    assert rows == [older, newer]
    rows, _cursor = queries.threads(forum["community"], sort="newest")
    assert rows == [newer, older]
    rows, _cursor = queries.threads(forum["community"], sort="unanswered")
    assert rows == [newer]
    assert Thread.objects.count() == 2

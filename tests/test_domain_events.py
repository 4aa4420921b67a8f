"""Domain events end to end: every declared verb is delivered after commit, none on rollback.

One scenario runs every action of ``community.actions`` and ``forums.actions``
(and the verbs of any other installed app that declares some), producing each
verb that ``community.activity.verbs()`` knows at least once. A verb declared
without a path here fails the first test with its name: add the action that
records it to ``every_action``.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from community import actions as community
from community import activity
from community.models import Activity
from forums import actions as forums
from tests.community.test_avatar import solid

pytestmark = pytest.mark.postgres_too  # delivery after a real commit's savepoints too


@pytest.fixture
def receiver():
    """A receiver of every verb, connected for the test's duration: the entries it got."""
    seen = []

    def receive(entry):
        seen.append(entry)

    activity.connect(activity.ANY, receive)
    yield seen
    activity.disconnect(receive)


@pytest.fixture(autouse=True)
def post_images_root(settings, tmp_path):
    settings.POST_IMAGES_ROOT = tmp_path / "post-images"


def every_action(staff, make_user):
    """Do, through the actions, everything members, moderators and managers can do."""
    member, applicant, refused, removed, troll, moderator = (make_user() for _ in range(6))

    # Communities, memberships, invitations.
    club = community.create_community(
        staff, slug="club", name="Club", kind="discussion", visibility="public", join_policy="open"
    )
    community.update_community(staff, club, description="Where riders meet.")
    for user in (member, removed, troll, moderator):
        community.join(user, club)
    community.set_role(staff, club, moderator, role="moderator")
    community.remove(staff, club, removed)
    community.ban(staff, club, troll, reason="Spam.")
    community.unban(staff, club, troll)
    support = community.create_community(
        staff,
        slug="support",
        name="Support",
        kind="support",
        visibility="private",
        join_policy="request",
    )
    community.join(applicant, support)
    community.approve(staff, support, applicant)
    community.join(refused, support)
    community.refuse(staff, support, refused)
    community.leave(applicant, support)
    invitation = community.invite(staff, support, email="guest@example.com")
    community.revoke_invitation(staff, invitation)

    # The member's own account.
    community.update_profile(member, member, display_name="Ann Rider")
    token, _key = community.create_api_token(staff, staff, name="CRM")
    community.revoke_api_token(staff, token)

    # Questions and answers: every way an answer stops being the accepted one.
    question = forums.create_thread(member, club, kind="question", title="Brakes?", body="Why?")
    first = forums.reply(troll, question, body="Pads.")
    second = forums.reply(moderator, question, body="Discs.")
    forums.edit_post(troll, first, body="The pads.")
    forums.accept_answer(member, question, first)
    forums.accept_answer(member, question, second)  # the first is replaced
    forums.accept_answer(member, question, None)  # and the second withdrawn
    forums.accept_answer(member, question, first)
    forums.delete_post(moderator, first)  # deleted while accepted, by a moderator
    forums.delete_post(moderator, second)  # by its author
    forums.react(troll, question.posts.get(number=1), kind="like")
    forums.react(troll, question.posts.get(number=1), kind="like")  # taken back

    # Ideas, polls, moderation of threads.
    idea = forums.create_thread(member, club, kind="idea", title="Night rides", body="Please.")
    forums.vote(troll, idea)
    forums.vote(troll, idea)  # withdrawn
    forums.set_idea_status(staff, idea, status="planned")
    poll = forums.create_thread(
        member, club, kind="poll", title="Colour?", body="Pick.", poll={"options": ["Red", "Blue"]}
    )
    red, blue = poll.poll.options.order_by("position").values_list("pk", flat=True)
    forums.vote_poll(troll, poll, [red])
    forums.vote_poll(troll, poll, [blue])  # changed
    forums.vote_poll(troll, poll, [])  # withdrawn
    for on in (True, False):
        forums.set_locked(moderator, idea, locked=on)
        forums.set_pinned(moderator, idea, pinned=on)
    forums.upload_image(member, club, file=SimpleUploadedFile("a.png", solid("PNG"), "image/png"))

    # Social value (the badges app): badges by hand and by rule, the showcase, levels,
    # qualities and endorsements.
    from badges import actions as badges
    from badges import awarding

    ambassador = badges.create_badge(staff, community=club, name="Ambassador", mode="manual")
    badges.update_badge(staff, ambassador, enabled=True, is_title=True)
    badges.grant(staff, ambassador, member, reason="Leads the night rides.")
    badges.update_showcase(member, motto="Ride on", title=ambassador)
    badges.revoke(staff, ambassador, member, reason="Moved away.")
    first_post = badges.create_badge(staff, community=club, name="First", rule="first_post")
    awarding.evaluate(first_post)  # as its receiver does after a post: badge.awarded
    badges.set_levels(staff, club, [("Rookie", 0), ("Rider", 20)])
    mechanic = badges.add_quality(staff, club, name="Mechanic")
    badges.endorse(member, moderator, club, mechanic.slug)
    badges.withdraw_endorsement(member, moderator, club, mechanic.slug)

    # Moderation (forums.moderation): each part's verbs, through its actions.
    from tests.moderation import (
        ledger_care,
        ledger_content,
        ledger_curation,
        ledger_prevention,
        ledger_queue,
        ledger_sanctions,
    )

    for every_part_action in (
        ledger_care.every_care_action,
        ledger_curation.every_curation_action,
        ledger_content.every_content_action,
        ledger_queue.every_queue_action,
        ledger_sanctions.every_sanctions_action,
        ledger_prevention.every_prevention_action,  # last: it holds newcomers' posts
    ):
        every_part_action(staff, make_user, club)

    # Exclusive content (cms): offers, events, views, publication.
    from tests.cms.ledger import every_cms_action

    every_cms_action(staff, make_user, club)

    # Engagement KPIs (community.kpis): goals and an export.
    from tests.community.kpis.ledger import every_kpi_action

    every_kpi_action(staff, make_user, club)

    # Apps above the domains (tests/extension_app, when installed) declare verbs too.
    if "kudos.given" in activity.verbs():
        from tests.extension_app import kudos

        kudos.give(member, troll, message="Thanks for the tip.")


# Verbs that only receivers record, once the entry that caused them committed: a level
# changes when reputation is counted (badges.reputation).
RECORDED_AFTER_COMMIT = {"level.changed"}


@pytest.mark.django_db
def test_every_declared_verb_reaches_a_receiver_after_commit(
    staff, make_user, receiver, django_capture_on_commit_callbacks
):
    before = Activity.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        every_action(staff, make_user)
        assert receiver == []  # nothing is delivered inside the writing transactions
    verbs = {entry.verb for entry in receiver}
    missing = sorted(set(activity.verbs()) - verbs)
    assert not missing, f"No action in this scenario records {missing}: add one that does."
    assert verbs == set(activity.verbs())
    # Each committed entry once, and only committed ones.
    recorded = Activity.objects.order_by("pk")[before:]
    assert [entry.pk for entry in receiver] == [entry.pk for entry in recorded]
    # The withdrawals that reputation tells apart arrive as such.
    assert {e.data["reason"] for e in receiver if e.verb == "answer.cleared"} == {
        "replaced",
        "withdrawn",
        "deleted",
    }
    assert {e.data["by"] for e in receiver if e.verb == "post.deleted"} == {"author", "moderator"}


@pytest.mark.django_db
def test_a_rolled_back_scenario_delivers_nothing(
    staff, make_user, receiver, django_capture_on_commit_callbacks
):
    before = Activity.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        every_action(staff, make_user)
        recorded = set(Activity.objects.order_by("pk")[before:].values_list("verb", flat=True))
        # everything happened but what receivers record after a commit, then...
        assert recorded == set(activity.verbs()) - RECORDED_AFTER_COMMIT
        raise RuntimeError("the surrounding transaction failed")
    assert receiver == []
    assert callbacks == []
    assert Activity.objects.count() == before

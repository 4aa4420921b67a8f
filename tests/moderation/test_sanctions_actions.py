"""Member sanctions: silence, ban with an end date, suspension, warnings, notes; each
with its ledger entry, the member's notice, its scope, and its lifting at the end date."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from community import actions, permissions
from community.errors import Forbidden
from community.models import Activity, Membership
from forums.moderation.care import clock
from forums.moderation.models import Notice
from forums.moderation.sanctions import actions as sanctions
from forums.moderation.sanctions.expiry import lift_expired
from forums.moderation.sanctions.models import ModeratorNote

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(make_community):
    return make_community("club")


@pytest.fixture
def mod(club, make_user, add_member):
    user = make_user(username="mod")
    add_member(club, user, role="moderator")
    return user


@pytest.fixture
def member(club, make_user, add_member):
    user = make_user(username="member")
    add_member(club, user)
    return user


def later(**kwargs):
    return timezone.now() + timedelta(**kwargs)


def last(verb):
    return Activity.objects.filter(verb=verb).latest("pk")


def test_silence_records_before_after_reason_and_tells_the_member(
    club, mod, member, django_capture_on_commit_callbacks
):
    until = later(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        actions.silence(mod, club, member, until=until, reason="Cool down")
    membership = Membership.objects.get(community=club, user=member)
    assert membership.silenced_until == until and membership.silence_reason == "Cool down"
    entry = last("membership.silenced")
    assert entry.actor == mod and entry.target_user == member and entry.community == club
    assert entry.data == {"reason": "Cool down", "before": None, "after": until.isoformat()}
    notice = Notice.objects.get(user=member)
    assert notice.kind == "silenced" and "Cool down" in notice.text and notice.actor == mod
    club.__dict__.pop("_membership_cache", None)
    with pytest.raises(Forbidden) as refused:
        permissions.check_participate(member, club)
    assert refused.value.code == "silenced"


def test_silencing_again_moves_the_end_date(club, mod, member):
    first, second = later(days=1), later(days=3)
    actions.silence(mod, club, member, until=first)
    actions.silence(mod, club, member, until=second, reason="longer")
    assert last("membership.silenced").data["before"] == first.isoformat()
    assert last("membership.silenced").data["after"] == second.isoformat()


def test_unsilence_records_the_lifting(club, mod, member, django_capture_on_commit_callbacks):
    until = later(hours=1)
    actions.silence(mod, club, member, until=until)
    with django_capture_on_commit_callbacks(execute=True):
        actions.unsilence(mod, club, member, reason="Apologised")
    entry = last("membership.unsilenced")
    assert entry.data == {"reason": "Apologised", "before": until.isoformat()}
    assert Membership.objects.get(community=club, user=member).silenced_until is None
    assert Notice.objects.filter(user=member, kind="silenced").count() == 1  # the lifting
    with pytest.raises(Forbidden) as refused:
        actions.unsilence(mod, club, member)
    assert refused.value.code == "not_silenced"


def test_a_silence_needs_a_future_end(club, mod, member):
    with pytest.raises(ValidationError):
        actions.silence(mod, club, member, until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError):
        actions.silence(mod, club, member, until=None)
    assert not Activity.objects.filter(verb="membership.silenced").exists()


def test_ban_until_a_date_and_moving_it(club, mod, member, django_capture_on_commit_callbacks):
    until = later(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        actions.ban(mod, club, member, reason="Spam", until=until)
    membership = Membership.objects.get(community=club, user=member)
    assert membership.state == "banned" and membership.banned_until == until
    entry = last("membership.banned")
    assert entry.data == {
        "reason": "Spam",
        "until": until.isoformat(),
        "before": "active",
        "after": "banned",
    }
    assert Notice.objects.get(user=member).kind == "banned"
    longer = later(days=30)
    actions.ban(mod, club, member, until=longer)
    assert last("membership.banned").data["before"] == until.isoformat()
    assert last("membership.banned").data["after"] == longer.isoformat()


def test_suspend_is_site_staff_only_and_never_staff(club, staff, mod, member, make_user):
    until = later(days=1)
    with pytest.raises(Forbidden) as refused:
        actions.suspend(mod, member, until=until, reason="no")
    assert refused.value.code == "not_staff"
    other_staff = make_user(username="otherstaff", is_staff=True)
    with pytest.raises(Forbidden) as refused:
        actions.suspend(staff, other_staff, until=until)
    assert refused.value.code == "staff"
    actions.suspend(staff, member, until=until, reason="Abuse everywhere")
    entry = last("user.suspended")
    assert entry.community is None and entry.object_id == member.pk
    assert entry.data == {"reason": "Abuse everywhere", "before": None, "after": until.isoformat()}
    member.refresh_from_db()
    with pytest.raises(Forbidden) as refused:
        permissions.check_participate(member, club)
    assert refused.value.code == "suspended"
    actions.unsuspend(staff, member, reason="Appeal")
    member.refresh_from_db()
    assert member.suspended_until is None
    assert last("user.unsuspended").data == {"reason": "Appeal", "before": until.isoformat()}


def test_scope_a_moderator_of_a_acts_not_in_b(club, mod, make_community, make_user, add_member):
    other = make_community("other")
    target = make_user(username="target")
    add_member(other, target)
    with pytest.raises(Forbidden):
        actions.silence(mod, other, target, until=later(days=1))
    with pytest.raises(Forbidden):
        actions.ban(mod, other, target, until=later(days=1))
    with pytest.raises(Forbidden):
        sanctions.warn(mod, other, target, text="no")
    with pytest.raises(Forbidden):
        sanctions.add_note(mod, other, target, text="no")
    assert not Activity.objects.filter(community=other, actor=mod).exists()


def test_a_moderator_cannot_sanction_a_manager_nor_a_moderator(club, mod, make_user, add_member):
    manager, colleague = make_user(username="boss"), make_user(username="colleague")
    add_member(club, manager, role="manager")
    add_member(club, colleague, role="moderator")
    for target in (manager, colleague):
        with pytest.raises(Forbidden) as refused:
            actions.silence(mod, club, target, until=later(days=1))
        assert refused.value.code == "rank"
        with pytest.raises(Forbidden):
            sanctions.warn(mod, club, target, text="behave")
    # A manager may silence a moderator.
    actions.silence(manager, club, colleague, until=later(days=1))


def test_a_member_cannot_sanction(club, member, make_user, add_member):
    other = make_user(username="other")
    add_member(club, other)
    with pytest.raises(Forbidden):
        actions.silence(member, club, other, until=later(days=1))


def test_warn_is_a_private_notice_and_an_entry(club, mod, member):
    notice = sanctions.warn(mod, club, member, text="Mind the rules")
    assert notice.kind == "warning" and notice.user == member and notice.community == club
    entry = last("member.warned")
    assert entry.object_id == notice.pk and entry.data == {"reason": "Mind the rules"}
    with pytest.raises(ValidationError):
        sanctions.warn(mod, club, member, text="   ")


def test_notes_stay_with_the_moderators(club, mod, member):
    note = sanctions.add_note(mod, club, member, text="Repeated off-topic")
    assert ModeratorNote.objects.get() == note
    entry = last("member.noted")
    assert entry.object_id == note.pk and entry.data == {} and entry.target_user == member
    assert not Notice.objects.filter(user=member).exists()


def test_expiry_lifts_bans_silences_and_suspensions(
    club, staff, mod, member, make_user, add_member, django_capture_on_commit_callbacks
):
    silenced, banned = make_user(username="silenced"), make_user(username="banned")
    add_member(club, silenced)
    add_member(club, banned)
    with django_capture_on_commit_callbacks(execute=True):
        actions.silence(mod, club, silenced, until=later(hours=1))
        actions.ban(mod, club, banned, until=later(hours=2))
        actions.suspend(staff, member, until=later(hours=3))
    assert lift_expired(later(minutes=30)) == {"bans": 0, "silences": 0, "suspensions": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert clock.tick(later(hours=4)) == 0  # the clock runs the registered job
    assert Membership.objects.get(community=club, user=silenced).silenced_until is None
    reinstated = Membership.objects.get(community=club, user=banned)
    assert reinstated.state == "active" and reinstated.banned_until is None
    member.refresh_from_db()
    assert member.suspended_until is None
    for verb in ("membership.unsilenced", "membership.unbanned", "user.unsuspended"):
        entry = last(verb)
        assert entry.actor is None and entry.data["expired"] is True
    assert Notice.objects.filter(user=banned, kind="banned").count() == 2  # banned, lifted
    # Idempotent: nothing left to lift.
    assert lift_expired(later(hours=5)) == {"bans": 0, "silences": 0, "suspensions": 0}


def test_expiry_leaves_a_ban_without_end_and_a_changed_end(
    club, mod, member, make_user, add_member
):
    forever = make_user(username="forever")
    add_member(club, forever)
    actions.ban(mod, club, forever)
    actions.ban(mod, club, member, until=later(hours=1))
    actions.ban(mod, club, member, until=later(days=10))  # moved before the clock passed
    assert lift_expired(later(hours=2))["bans"] == 0
    assert Membership.objects.get(community=club, user=forever).state == "banned"


def test_lift_expired_is_registered_with_the_clock():
    assert lift_expired in clock.jobs()


def test_update_member_applies_sanctions_all_or_nothing(club, mod, member, make_user, add_member):
    until = later(days=1)
    actions.update_member(mod, club, member, silenced_until=until, reason="calm")
    assert Membership.objects.get(community=club, user=member).silenced_until == until
    actions.update_member(mod, club, member, silenced_until=None)
    assert Membership.objects.get(community=club, user=member).silenced_until is None
    # A silence with a role change the moderator may not make: both undone.
    with pytest.raises(Forbidden):
        actions.update_member(mod, club, member, silenced_until=until, role="moderator")
    assert Membership.objects.get(community=club, user=member).silenced_until is None
    actions.update_member(mod, club, member, banned_until=until, reason="x")
    assert Membership.objects.get(community=club, user=member).state == "banned"
    actions.update_member(mod, club, member, banned_until=None)
    assert Membership.objects.get(community=club, user=member).state == "active"

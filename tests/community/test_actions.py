"""Membership flows through the actions: join, approve, refuse, leave, ban, roles, invitations."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from community import actions, invitations
from community.errors import Conflict
from community.models import Activity, Invitation, Membership


@pytest.mark.django_db
def test_join_open_community_is_active_at_once(make_community, make_user, capture_events):
    community = make_community("open", join_policy="open")
    user = make_user()
    with capture_events(f"me:{user.pk}") as events:
        membership = actions.join(user, community)
    assert membership.state == "active" and membership.role == "member"
    assert membership.joined_at is not None
    changed = [e for e in events if e.get("event") == "membership.changed"]
    assert len(changed) == 1
    assert changed[0]["data"] == {
        "community": "open",
        "username": user.username,
        "role": "member",
        "state": "active",
    }
    assert Activity.objects.filter(verb="membership.joined", actor=user).count() == 1


@pytest.mark.django_db
def test_join_twice_is_a_conflict(make_community, make_user):
    community = make_community("twice")
    user = make_user()
    actions.join(user, community)
    with pytest.raises(Conflict):
        actions.join(user, community)
    assert Membership.objects.filter(community=community, user=user).count() == 1


@pytest.mark.django_db
def test_request_then_approve(make_community, make_user, staff, capture_events):
    community = make_community("req", visibility="private", join_policy="request")
    user = make_user()
    with capture_events(f"me:{user.pk}", "moderation:req") as events:
        membership = actions.join(user, community)
    assert membership.state == "pending"
    assert {e["event"] for e in events if "event" in e} == {
        "membership.changed",
        "membership.requested",
        "queue.changed",  # the request enters the moderators' review queue
    }
    with capture_events(f"me:{user.pk}") as events:
        membership = actions.approve(staff, community, user)
    assert membership.state == "active"
    assert [e["data"]["state"] for e in events if e.get("event") == "membership.changed"] == [
        "active"
    ]


@pytest.mark.django_db
def test_refuse_removes_the_request(make_community, make_user, staff):
    community = make_community("refuse", join_policy="request")
    user = make_user()
    actions.join(user, community)
    actions.refuse(staff, community, user)
    assert not Membership.objects.filter(community=community, user=user).exists()
    # Refusing again: there is nothing pending.
    with pytest.raises(PermissionDenied):
        actions.refuse(staff, community, user)


@pytest.mark.django_db
def test_only_moderators_approve(make_community, make_user, add_member):
    community = make_community("mods", join_policy="request")
    member, applicant = make_user(), make_user()
    add_member(community, member)
    actions.join(applicant, community)
    with pytest.raises(PermissionDenied):
        actions.approve(member, community, applicant)
    moderator = make_user()
    add_member(community, moderator, role="moderator")
    assert actions.approve(moderator, community, applicant).state == "active"


@pytest.mark.django_db
def test_leave_and_last_manager(make_community, make_user, staff, add_member):
    community = make_community("leave")
    user = make_user()
    add_member(community, user)
    actions.leave(user, community)
    assert not Membership.objects.filter(community=community, user=user).exists()
    with pytest.raises(PermissionDenied):
        actions.leave(user, community)
    # The staff creator is the only manager; with members left, they cannot walk away.
    add_member(community, make_user())
    with pytest.raises(PermissionDenied) as refused:
        actions.leave(staff, community)
    assert refused.value.code == "last_manager"


@pytest.mark.django_db
def test_ban_blocks_reading_joining_and_leaving(make_community, make_user, staff, add_member):
    community = make_community("ban", visibility="private")
    user = make_user()
    add_member(community, user)
    actions.ban(staff, community, user, reason="spam")
    membership = Membership.objects.get(community=community, user=user)
    assert membership.state == "banned" and membership.ban_reason == "spam"
    fresh = type(community).objects.get(pk=community.pk)
    from community import permissions

    assert not permissions.can_read(user, fresh)
    with pytest.raises(PermissionDenied):
        actions.join(user, fresh)
    with pytest.raises(PermissionDenied):
        actions.leave(user, fresh)
    actions.unban(staff, fresh, user)
    assert Membership.objects.get(community=community, user=user).state == "active"


@pytest.mark.django_db
def test_ban_someone_who_is_not_a_member(make_community, make_user, staff):
    community = make_community("preban")
    user = make_user()
    actions.ban(staff, community, user)
    with pytest.raises(PermissionDenied):
        actions.join(user, community)


@pytest.mark.django_db
def test_roles(make_community, make_user, staff, add_member, capture_events):
    community = make_community("roles")
    user = make_user()
    add_member(community, user)
    with capture_events(f"me:{user.pk}", f"u.{user.pk}") as events:
        actions.set_role(staff, community, user, role="moderator")
    assert Membership.objects.get(community=community, user=user).role == "moderator"
    assert any(e.get("type") == "access.changed" for e in events)
    assert any(e.get("event") == "membership.changed" for e in events)
    with pytest.raises(ValidationError):
        actions.set_role(staff, community, user, role="emperor")


@pytest.mark.django_db
def test_rolled_back_action_emits_nothing(make_community, make_user, capture_events):
    community = make_community("rollback")
    user = make_user()
    with (
        capture_events(f"me:{user.pk}") as events,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.join(user, community)
        raise RuntimeError("the surrounding work failed")
    assert events == []
    assert not Membership.objects.filter(user=user).exists()


# --- Invitations --------------------------------------------------------------


@pytest.mark.django_db
def test_invite_sends_a_single_use_link(
    make_community, make_user, staff, django_capture_on_commit_callbacks
):
    community = make_community("club", visibility="hidden", join_policy="invite")
    invitee = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = actions.invite(staff, community, email=invitee.email.upper())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [invitee.email.upper()]
    # The token in the mail (it holds the second it was signed: not one made again here).
    token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[0].body)[1]
    found = invitations.invitation_from_token(token)
    assert found == invitation
    membership = actions.accept_invitation(invitee, found)
    assert membership.state == "active"
    # Single use: the same link is dead now, even for someone else.
    assert invitations.invitation_from_token(token) is None
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == invitee


@pytest.mark.django_db
def test_join_by_email_finds_the_invitation(make_community, make_user, staff):
    community = make_community("club", visibility="hidden", join_policy="invite")
    invitee, stranger = make_user(), make_user()
    actions.invite(staff, community, email=invitee.email)
    assert actions.join(invitee, community).state == "active"
    with pytest.raises(Http404):  # hidden and not invited: nothing to see
        actions.join(stranger, community)


@pytest.mark.django_db
def test_invitation_on_request_community_skips_approval(make_community, make_user, staff):
    community = make_community("sup", visibility="private", join_policy="request")
    invitee = make_user()
    actions.invite(staff, community, email=invitee.email)
    assert actions.join(invitee, community).state == "active"


@pytest.mark.django_db
def test_forged_expired_and_revoked_links_are_refused(make_community, staff, settings):
    community = make_community("club", join_policy="invite")
    invitation = actions.invite(staff, community, email="someone@example.com")
    token = invitations.invitation_token(invitation)
    assert invitations.invitation_from_token(token + "x") is None
    assert invitations.invitation_from_token("not-a-token") is None
    settings.INVITATION_MAX_AGE_DAYS = -1
    assert invitations.invitation_from_token(token) is None
    settings.INVITATION_MAX_AGE_DAYS = 14
    # Inviting the same address again replaces the earlier link.
    second = actions.invite(staff, community, email="someone@example.com")
    assert invitations.invitation_from_token(token) is None
    assert invitations.invitation_from_token(invitations.invitation_token(second)) == second
    actions.revoke_invitation(staff, second)
    assert invitations.invitation_from_token(invitations.invitation_token(second)) is None


@pytest.mark.django_db
def test_only_managers_invite(make_community, make_user, add_member):
    community = make_community("inv")
    moderator = make_user()
    add_member(community, moderator, role="moderator")
    with pytest.raises(PermissionDenied):
        actions.invite(moderator, community, email="x@example.com")
    with pytest.raises(ValidationError):
        actions.invite(community.created_by, community, email="not an email")
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_create_community_rules(staff, make_user):
    with pytest.raises(PermissionDenied):
        actions.create_community(
            make_user(), slug="x", name="X", kind="club", visibility="public", join_policy="open"
        )
    actions.create_community(
        staff, slug="dup", name="Dup", kind="club", visibility="public", join_policy="open"
    )
    with pytest.raises(Conflict):
        actions.create_community(
            staff, slug="dup", name="Dup", kind="club", visibility="public", join_policy="open"
        )
    with pytest.raises(ValidationError):
        actions.create_community(
            staff, slug="bad", name="Bad", kind="circus", visibility="public", join_policy="open"
        )


@pytest.mark.django_db
def test_update_community_checks_choices(make_community, staff, make_user, add_member):
    community = make_community("upd")
    actions.update_community(staff, community, visibility="private", name="Renamed")
    community.refresh_from_db()
    assert (community.visibility, community.name) == ("private", "Renamed")
    with pytest.raises(ValidationError):
        actions.update_community(staff, community, visibility="secret")
    member = make_user()
    add_member(community, member)
    with pytest.raises(PermissionDenied):
        actions.update_community(member, community, name="Mine now")


@pytest.mark.django_db
def test_a_refused_join_leaves_no_membership_behind(make_community, make_user, staff):
    from community import permissions

    community = make_community("stale", visibility="hidden", join_policy="invite")
    user = make_user()
    invitation = actions.invite(staff, community, email=user.email)
    Invitation.objects.filter(pk=invitation.pk).update(nonce="", revoked_at=invitation.created_at)
    with pytest.raises(PermissionDenied):
        actions.join(user, community, invitation=invitation)  # a stale copy: still looks usable
    assert permissions.membership_of(user, community) is None
    assert not permissions.can_see_community(user, community)


@pytest.mark.django_db
def test_invitation_mail_is_plain_text(
    make_community, staff, django_capture_on_commit_callbacks, mailoutbox
):
    community = make_community("amp", name="Entraide & SAV")
    with django_capture_on_commit_callbacks(execute=True):
        actions.invite(staff, community, email="o'brien@example.com")
    assert "Entraide & SAV" in mailoutbox[0].subject
    assert "&amp;" not in mailoutbox[0].body


@pytest.mark.django_db
def test_seed_demo_refuses_production(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")

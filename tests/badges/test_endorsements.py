"""Endorsements of qualities: between active co-members, once per quality, never oneself,
with an evidence post the endorser may read; withdrawable. Through the real actions."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from badges import actions, qualities
from badges.models import Endorsement, Notice
from community import actions as community_actions
from community.errors import Conflict, Forbidden
from community.models import Activity
from forums import actions as forums
from tests.badges.api_world import assert_error, bearer, call
from tests.factories import UserFactory


@pytest.fixture
def world(make_community, make_user, add_member, staff):
    support = make_community("support", kind="support")
    club = make_community("club", visibility="hidden", join_policy="invite")
    private = make_community("private", visibility="private", join_policy="request")
    alice, bob, carol, outsider = (make_user() for _ in range(4))
    for user in (alice, bob, carol):
        add_member(support, user)
    add_member(club, bob)
    add_member(private, bob)
    thread = forums.create_thread(bob, support, kind="question", title="How?", body="Like so")
    secret = forums.create_thread(bob, club, kind="discussion", title="Shh", body="Secret")
    return {
        "support": support,
        "club": club,
        "private": private,
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "outsider": outsider,
        "post": thread.posts.get(),
        "secret_post": secret.posts.get(),
        "staff": staff,
    }


def codes(refusal):
    return {field: [e.code for e in errors] for field, errors in refusal.value.error_dict.items()}


@pytest.mark.django_db
def test_endorse_with_evidence_records_notifies_and_counts(world):
    alice, bob, support = world["alice"], world["bob"], world["support"]
    endorsement = actions.endorse(alice, bob, support, "helpful", post=world["post"])
    assert (endorsement.endorser, endorsement.endorsee, endorsement.community) == (
        alice,
        bob,
        support,
    )
    assert endorsement.quality.slug == "helpful" and endorsement.post == world["post"]
    entry = Activity.objects.get(verb="endorsement.added")
    assert (entry.actor, entry.target_user, entry.community) == (alice, bob, support)
    assert entry.object_id == endorsement.pk
    assert entry.data == {"quality": "helpful", "post": world["post"].pk}
    notice = Notice.objects.get(user=bob)
    assert notice.kind == "endorsement" and notice.community == support
    assert notice.data["by"] == alice.username and notice.data["post"] == world["post"].pk

    # Another endorser, another quality, a post id instead of a Post: each its own.
    actions.endorse(world["carol"], bob, support, "helpful", post=world["post"].pk)
    plain = actions.endorse(alice, bob, support, "kind")
    assert plain.post is None
    assert Activity.objects.filter(verb="endorsement.added").last().data == {"quality": "kind"}
    assert Endorsement.objects.filter(endorsee=bob, quality__slug="helpful").count() == 2


@pytest.mark.django_db
def test_endorsing_oneself_is_refused(world):
    with pytest.raises(Forbidden) as refusal:
        actions.endorse(world["bob"], world["bob"], world["support"], "helpful")
    assert refusal.value.code == "self_endorsement"
    assert not Endorsement.objects.exists()


@pytest.mark.django_db
def test_endorsing_twice_is_a_conflict(world):
    actions.endorse(world["alice"], world["bob"], world["support"], "clear")
    with pytest.raises(Conflict) as refusal:
        actions.endorse(world["alice"], world["bob"], world["support"], "clear")
    assert refusal.value.code == "already_endorsed"
    assert Endorsement.objects.count() == 1
    assert Activity.objects.filter(verb="endorsement.added").count() == 1


@pytest.mark.django_db
def test_only_active_co_members_endorse_each_other(world, add_member, make_user):
    support, bob = world["support"], world["bob"]
    with pytest.raises(Forbidden) as not_shared:  # the outsider is no member of support
        actions.endorse(bob, world["outsider"], support, "helpful")
    assert not_shared.value.code == "not_co_member"
    with pytest.raises(Forbidden) as not_member:
        actions.endorse(world["outsider"], bob, support, "helpful")
    assert not_member.value.code == "not_a_member"
    # Bob and Alice share support, not the private community where only Bob is.
    with pytest.raises(Forbidden) as elsewhere:
        actions.endorse(bob, world["alice"], world["private"], "helpful")
    assert elsewhere.value.code == "not_co_member"
    # A banned member is no longer a co-member, nor one who left.
    add_member(support, world["carol"], state="banned")
    with pytest.raises(Forbidden):
        actions.endorse(bob, world["carol"], support, "helpful")
    community_actions.leave(world["alice"], support)
    with pytest.raises(Forbidden):
        actions.endorse(bob, world["alice"], support, "helpful")
    # A hidden community is "not found" to whoever may not see it.
    with pytest.raises(Http404):
        actions.endorse(world["outsider"], bob, world["club"], "helpful")
    assert not Endorsement.objects.exists()


@pytest.mark.django_db
def test_an_unknown_or_removed_quality_is_refused(world):
    alice, bob, support = world["alice"], world["bob"], world["support"]
    with pytest.raises(ValidationError) as unknown:
        actions.endorse(alice, bob, support, "telepathic")
    assert codes(unknown) == {"quality": ["unknown_quality"]}
    kind = next(q for q in qualities.for_community(support) if q.slug == "kind")
    actions.remove_quality(world["staff"], kind)
    with pytest.raises(ValidationError) as removed:
        actions.endorse(alice, bob, support, "kind")
    assert codes(removed) == {"quality": ["unknown_quality"]}
    # A quality of another community is not one of this community's.
    actions.add_quality(world["staff"], world["club"], name="Discreet")
    with pytest.raises(ValidationError):
        actions.endorse(alice, bob, support, "discreet")


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["hidden", "someone_else", "deleted", "missing", "huge"])
def test_an_evidence_post_must_be_theirs_here_and_readable(world, case):
    alice, bob, support = world["alice"], world["bob"], world["support"]
    if case == "hidden":  # Bob's post in the hidden club, which Alice cannot read
        post = world["secret_post"]
    elif case == "someone_else":
        thread = forums.create_thread(
            world["carol"], support, kind="discussion", title="C", body="C"
        )
        post = thread.posts.get()
    elif case == "deleted":
        post = forums.reply(bob, world["post"].thread, body="Oops")
        forums.delete_post(bob, post)
    elif case == "missing":
        post = 987_654_321
    else:
        post = 2**70
    with pytest.raises(ValidationError) as refusal:
        actions.endorse(alice, bob, support, "helpful", post=post)
    assert codes(refusal) == {"post": ["invalid_post"]}
    assert not Endorsement.objects.exists()


@pytest.mark.django_db
def test_refusals_about_the_evidence_tell_nothing_of_the_hidden_club(world):
    """A post of the hidden club and a missing post are refused with the same words."""
    alice, bob, support = world["alice"], world["bob"], world["support"]
    messages = []
    for post in (world["secret_post"], 987_654_321):
        with pytest.raises(ValidationError) as refusal:
            actions.endorse(alice, bob, support, "helpful", post=post)
        messages.append(refusal.value.message_dict)
    assert messages[0] == messages[1]


@pytest.mark.django_db
def test_withdraw_deletes_records_and_allows_endorsing_again(world):
    alice, bob, support = world["alice"], world["bob"], world["support"]
    actions.endorse(alice, bob, support, "expert")
    actions.withdraw_endorsement(alice, bob, support, "expert")
    assert not Endorsement.objects.exists()
    entry = Activity.objects.get(verb="endorsement.withdrawn")
    assert (entry.actor, entry.target_user, entry.community) == (alice, bob, support)
    assert entry.data == {"quality": "expert"}
    with pytest.raises(Http404):
        actions.withdraw_endorsement(alice, bob, support, "expert")
    with pytest.raises(Http404):  # Carol cannot withdraw what Alice gave
        actions.endorse(alice, bob, support, "expert")
        actions.withdraw_endorsement(world["carol"], bob, support, "expert")
    assert Endorsement.objects.filter(endorser=alice).count() == 1


@pytest.mark.django_db
def test_one_can_withdraw_after_leaving(world):
    alice, bob, support = world["alice"], world["bob"], world["support"]
    actions.endorse(alice, bob, support, "kind")
    community_actions.leave(alice, support)
    actions.withdraw_endorsement(alice, bob, support, "kind")
    assert not Endorsement.objects.exists()


# --- Under concurrency (PostgreSQL) ---------------------------------------------------


@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_the_same_endorsement_sent_twice_at_once_is_made_once():
    from tests.community.test_production_path import new_community, run_together

    staff = UserFactory(is_staff=True)
    alice, bob = UserFactory(), UserFactory()
    support = new_community(staff, "support")
    for user in (alice, bob):
        community_actions.join(user, support)
    qualities.for_community(support)
    results = run_together(
        *[lambda: actions.endorse(alice, bob, support, "helpful") for _ in range(4)]
    )
    assert Endorsement.objects.count() == 1
    assert sum(isinstance(r, Endorsement) for r in results) == 1, results
    assert all(
        isinstance(r, Endorsement) or getattr(r, "code", None) == "already_endorsed"
        for r in results
    ), results
    assert Activity.objects.filter(verb="endorsement.added").count() == 1


@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_the_same_grant_sent_twice_at_once_is_made_once():
    from badges.models import Award
    from tests.community.test_production_path import new_community, run_together

    staff = UserFactory(is_staff=True)
    bob = UserFactory()
    support = new_community(staff, "support")
    community_actions.join(bob, support)
    badge = actions.create_badge(
        staff, community=support, name="Beta tester", mode="manual", enabled=True
    )
    results = run_together(
        *[lambda: actions.grant(staff, badge, bob, reason="Tested it") for _ in range(4)]
    )
    assert Award.objects.count() == 1
    assert sum(isinstance(r, Award) for r in results) == 1, results
    assert all(
        isinstance(r, Award) or getattr(r, "code", None) == "already_held" for r in results
    ), results
    assert Activity.objects.filter(verb="badge.granted").count() == 1


# --- Through the API --------------------------------------------------------------------


@pytest.mark.django_db
def test_endorse_and_withdraw(client, world):
    alice, bob = world["alice"], world["bob"]
    thread = forums.create_thread(bob, world["support"], kind="question", title="Q", body="A")
    post = thread.posts.get()
    body = {"community": "support", "quality": "helpful", "post": post.pk}
    response, data = call(
        client, "post", f"/members/{bob.username}/endorsements", bearer(world["alice"]), body
    )
    assert response.status_code == 201, data
    assert data["community"] == "support" and data["quality"] == "helpful"
    assert (data["endorser"], data["endorsee"], data["post"]) == (
        alice.username,
        bob.username,
        post.pk,
    )
    assert data["created_at"]
    path = f"/members/{bob.username}/endorsements?community=support&quality=helpful"
    response, _none = call(client, "delete", path, bearer(world["alice"]))
    assert response.status_code == 204
    assert not Endorsement.objects.exists()
    response, data = call(client, "delete", path, bearer(world["alice"]))
    assert_error(response, data, 404, "not_found")


@pytest.mark.django_db
def test_endorsement_refusals_each_have_their_code(client, world):
    alice, bob = world["alice"], world["bob"]
    key = bearer(world["alice"])
    secret = forums.create_thread(bob, world["club"], kind="discussion", title="S", body="S")
    bobs = f"/members/{bob.username}/endorsements"

    def endorse(path, body, auth=key):
        return call(client, "post", path, auth, body)

    response, data = endorse(
        f"/members/{alice.username}/endorsements", {"community": "support", "quality": "kind"}
    )
    assert_error(response, data, 403, "self_endorsement")
    endorse(bobs, {"community": "support", "quality": "kind"})
    response, data = endorse(bobs, {"community": "support", "quality": "kind"})
    assert_error(response, data, 409, "already_endorsed")
    response, data = endorse(
        f"/members/{world['outsider'].username}/endorsements",
        {"community": "support", "quality": "kind"},
    )
    assert_error(response, data, 403, "not_co_member")
    response, data = endorse(bobs, {"community": "support", "quality": "psychic"})
    assert_error(response, data, 422, "unknown_quality")
    # Bob's post in the hidden club, which Alice cannot read.
    response, data = endorse(
        bobs, {"community": "support", "quality": "clear", "post": secret.posts.get().pk}
    )
    assert_error(response, data, 422, "invalid_post")
    response, data = endorse(bobs, {"community": "support", "quality": "clear", "post": 2**63})
    assert_error(response, data, 422, "invalid")
    response, data = endorse(
        bobs, {"community": "club", "quality": "kind"}, bearer(world["outsider"])
    )
    assert_error(response, data, 404, "not_found")
    response, data = endorse(bobs, {"community": "support", "quality": "kind"}, None)
    assert_error(response, data, 401, "not_authenticated")
    response, data = endorse(
        "/members/nobody/endorsements", {"community": "support", "quality": "kind"}
    )
    assert_error(response, data, 404, "not_found")
    assert Endorsement.objects.count() == 1


@pytest.mark.django_db
def test_an_evidence_post_the_endorser_cannot_read_is_refused(client, world):
    """Carol shares the support community with Bob, not the hidden club where he posted."""
    carol = world["carol"]
    secret = forums.create_thread(
        world["bob"], world["club"], kind="discussion", title="S", body="S"
    )
    body = {"community": "support", "quality": "expert", "post": secret.posts.get().pk}
    response, data = call(
        client, "post", f"/members/{world['bob'].username}/endorsements", bearer(carol), body
    )
    assert_error(response, data, 422, "invalid_post")
    missing = dict(body, post=987_654_321)
    _r, missing_data = call(
        client, "post", f"/members/{world['bob'].username}/endorsements", bearer(carol), missing
    )
    assert data == missing_data  # nothing learnt about the club

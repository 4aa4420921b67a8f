"""Pages, the API and the actions answer alike: one rule in ``forums.permissions`` each.

For every rule the page's links and buttons (what the reader is offered) are compared
with what the API and the action then do for the same reader: offered exactly when
allowed, and refused with the action's status and code otherwise.
"""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forums import actions, permissions
from forums.models import PostImage, Subscription
from forums.thread_page import ANY, BLANK_ID, url_maker
from tests.community.test_avatar import solid

API = "/api/v1"


@pytest.fixture
def forum(make_community, make_user, add_member):
    """A public community with a thread of three posts, by its author, another member
    and a former member (deleted account), and the people who look at it."""
    club = make_community("club", visibility="public", join_policy="open")
    author, other, moderator, banned, reader = (make_user() for _ in range(5))
    for user in (author, other, banned):
        add_member(club, user)
    add_member(club, moderator, role="moderator")
    thread = actions.create_thread(author, club, kind="discussion", title="Saddles", body="Which?")
    actions.reply(other, thread, body="A leather one.")
    actions.reply(banned, thread, body="Mine is gel.")
    actions.reply(author, thread, body="Thanks!")
    add_member(club, banned, state="banned")
    return {
        "community": club,
        "thread": thread,
        "posts": list(thread.posts.order_by("number")),
        "author": author,
        "other": other,
        "moderator": moderator,
        "banned": banned,
        "reader": reader,  # signed in, not a member of the public community
    }


def page_of(client, user, thread):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def offered(page, post):
    """(Edit link, Delete form) of ``post`` on the page."""
    edit = f'href="{reverse("edit_post", args=[post.pk])}"' in page
    delete = f'action="{reverse("post_action", args=[post.pk, "delete"])}"' in page
    return edit, delete


def api(client, method, path, body=None):
    kwargs = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    response = getattr(client, method)(API + path, **kwargs)
    return response.status_code, response.json() if response.content else None


def api_edit(client, post):
    """What the API answers to editing ``post`` (its body kept as it is)."""
    return api(client, "patch", f"/posts/{post.pk}", {"body": post.body + " (edited)"})


def expected(user, post):
    """The action's own answer: (200, None) or (403, its code)."""
    try:
        permissions.check_edit_post(user, post)
    except PermissionDenied as refusal:
        return 403, getattr(refusal, "code", "forbidden")
    return 200, None


# --- Edit and delete links ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("locked", [False, True], ids=["open", "locked"])
@pytest.mark.parametrize("who", ["author", "other", "moderator", "banned", "reader", "staff"])
def test_edit_and_delete_links_are_what_the_api_allows(client, forum, staff, who, locked):
    thread, user = forum["thread"], (staff if who == "staff" else forum[who])
    if locked:
        actions.set_locked(forum["moderator"], thread, locked=True)
    page = page_of(client, user, thread)
    for post in forum["posts"]:
        post.refresh_from_db()
        allowed = permissions.can_edit_post(user, post)
        assert offered(page, post) == (allowed, allowed), (who, post.number)
        status, data = api_edit(client, post)
        assert (status, data and data.get("code")) == expected(user, post), (who, post.number)
        assert (status == 200) == allowed


@pytest.mark.django_db
def test_a_locked_threads_author_is_offered_no_edit_and_cannot_edit(client, forum):
    thread, author = forum["thread"], forum["author"]
    first = forum["posts"][0]
    page = page_of(client, author, thread)
    assert offered(page, first) == (True, True)  # open: their own posts
    actions.set_locked(forum["moderator"], thread, locked=True)

    page = page_of(client, author, thread)
    assert offered(page, first) == (False, False)
    # Nor on the posts that arrive live (the blank post the script copies).
    assert url_maker("edit_post", ANY)(BLANK_ID) not in page
    status, data = api_edit(client, first)
    assert (status, data["code"]) == (403, "locked")
    status, data = api(client, "delete", f"/posts/{first.pk}")
    assert (status, data["code"]) == (403, "locked")
    assert client.get(reverse("edit_post", args=[first.pk])).status_code == 403
    first.refresh_from_db()
    assert first.deleted_at is None and first.body == "Which?"

    # A moderator still may: offered on every post, and allowed.
    page = page_of(client, forum["moderator"], thread)
    assert offered(page, first) == (True, True)
    assert url_maker("edit_post", ANY)(BLANK_ID) in page
    status, data = api_edit(client, first)
    assert status == 200 and data["body"] == "Which? (edited)"


@pytest.mark.django_db
def test_a_banned_author_is_offered_no_edit_of_their_old_posts(client, forum):
    banned, thread = forum["banned"], forum["thread"]
    theirs = forum["posts"][2]
    assert theirs.author_id == banned.pk
    page = page_of(client, banned, thread)  # a public community: still readable
    assert offered(page, theirs) == (False, False)
    status, data = api_edit(client, theirs)
    assert (status, data["code"]) == (403, "banned")


@pytest.mark.django_db
def test_page_rights_equal_the_check_for_every_case(forum, staff):
    """``post_edit_rights(...).allows`` (the page) is ``can_edit_post`` (the action)."""
    thread = forum["thread"]
    people = [forum[name] for name in ("author", "other", "moderator", "banned", "reader")]
    for state in (thread.State.OPEN, thread.State.LOCKED):
        thread.state = state
        for user in [*people, staff]:
            rights = permissions.post_edit_rights(user, thread)
            for post in forum["posts"]:
                post.thread = thread
                for deleted in (False, True):
                    post.deleted_at = thread.created_at if deleted else None
                    assert rights.allows(post.author_id, deleted=deleted) == (
                        permissions.can_edit_post(user, post)
                    ), (user, post.number, state, deleted)


# --- Watching -------------------------------------------------------------------------


WATCH_BUTTON = "watch-form"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("author", 200, None),
        ("reader", 200, None),  # a signed-in reader of a public community
        ("banned", 403, "banned"),  # a ban ended their watching: they may not start again
        (None, 401, "not_authenticated"),
    ],
)
def test_the_watch_button_is_what_the_api_allows(client, forum, who, status, code):
    thread, community = forum["thread"], forum["community"]
    user = forum[who] if who else None
    page = page_of(client, user, thread)
    assert (WATCH_BUTTON in page) == (status == 200)
    for path in (f"/threads/{thread.pk}/watch", f"/communities/{community.slug}/watch"):
        answer, data = api(client, "post", path, {"watching": True})
        assert (answer, data.get("code")) == (status, code), path
    if user is not None:
        assert permissions.can_watch(user, community) == (status == 200)
        assert Subscription.objects.filter(user=user).count() == (2 if status == 200 else 0)


@pytest.mark.django_db
def test_watching_a_private_community_needs_membership(client, forum, make_community, make_user):
    private = make_community("vault", visibility="private", join_policy="request")
    outsider = make_user()
    client.force_login(outsider)
    answer, data = api(client, "post", f"/communities/{private.slug}/watch", {})
    assert (answer, data["code"]) == (403, "not_a_member")
    assert not permissions.can_watch(outsider, private)
    with pytest.raises(PermissionDenied, match="join it to read"):
        actions.watch(outsider, community=private)


# --- Image uploads ----------------------------------------------------------------------


@pytest.fixture
def post_images_root(settings, tmp_path):
    settings.POST_IMAGES_ROOT = tmp_path / "post-images"
    settings.POST_IMAGES_PER_HOUR = 1


def png():
    return SimpleUploadedFile("a.png", solid("PNG"), content_type="image/png")


@pytest.mark.django_db
def test_the_upload_quota_the_page_shows_is_the_one_the_api_applies(
    client, forum, post_images_root
):
    member, community = forum["author"], forum["community"]
    client.force_login(member)
    page_url = reverse("upload_image", args=[community.slug])
    assert "please wait" not in client.get(page_url).content.decode()
    assert permissions.can_upload_image(member, community)
    actions.upload_image(member, community, file=png())

    assert not permissions.can_upload_image(member, community)
    assert "You can upload 1 image an hour" in client.get(page_url).content.decode()
    response = client.post(f"{API}/communities/{community.slug}/images", {"file": png()})
    assert (response.status_code, response.json()["code"]) == (429, "rate_limited")
    assert PostImage.objects.filter(owner=member).count() == 1


@pytest.mark.django_db
def test_staff_past_the_quota_are_offered_and_allowed_uploads(
    client, forum, staff, post_images_root
):
    community = forum["community"]
    actions.upload_image(staff, community, file=png())
    assert permissions.can_upload_image(staff, community)
    client.force_login(staff)
    page = client.get(reverse("upload_image", args=[community.slug])).content.decode()
    assert "please wait" not in page
    response = client.post(f"{API}/communities/{community.slug}/images", {"file": png()})
    assert response.status_code == 201
    assert PostImage.objects.filter(owner=staff).count() == 2

"""Access is re-checked when a notification is delivered, not only when it is written.

Each test writes a notification while the member may read the thread, takes
that access away (ban, leave, the thread moved, the community made private),
then delivers: digest, immediate mail, list page, API, unread counts, the
item's redirect, the ``me`` stream's replay. None may show the thread.
"""

import pytest

from community import actions as community_actions
from community import unread
from forums import actions, notification_mail, notifications
from forums.models import Notification, Subscription
from realtime import publish

pytestmark = pytest.mark.postgres_too

TITLE = "Project Nightjar launch plan"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def vault(make_community, make_user, add_member, mailoutbox):
    """A hidden community, its author and a watcher (who may be banned or leave)."""
    hidden = make_community("vault", visibility="hidden", join_policy="invite")
    author, watcher = make_user(), make_user()
    for user in (author, watcher):
        add_member(hidden, user)
    mailoutbox.clear()  # the invitations
    return {"community": hidden, "author": author, "watcher": watcher}


def open_thread(vault, committed, *, watch=True):
    with committed():
        thread = actions.create_thread(
            vault["author"], vault["community"], kind="discussion", title=TITLE, body="Plan"
        )
    if watch:
        actions.watch(vault["watcher"], thread=thread)
    return thread


def reply(vault, thread, committed, body="Update"):
    with committed():
        return actions.reply(vault["author"], thread, body=body)


def ban(community, user, staff, committed):
    with committed():
        community_actions.ban(staff, community, user)


def api(client, user):
    _token, key = community_actions.create_api_token(user, user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# --- Mail ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_digest_after_a_ban(vault, committed, staff, mailoutbox):
    thread = open_thread(vault, committed)
    reply(vault, thread, committed)
    assert Notification.objects.filter(user=vault["watcher"], kind="reply").count() == 1
    assert mailoutbox == []  # replies wait for the digest
    ban(vault["community"], vault["watcher"], staff, committed)
    assert notification_mail.send_digests() == 0
    assert not any(TITLE in m.body or TITLE in m.subject for m in mailoutbox)


@pytest.mark.django_db
def test_no_digest_after_leaving_a_private_community(vault, committed, mailoutbox):
    thread = open_thread(vault, committed)
    reply(vault, thread, committed)
    with committed():
        community_actions.leave(vault["watcher"], vault["community"])
    assert notification_mail.send_digests() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_digest_still_goes_to_those_who_may_read(vault, committed, mailoutbox):
    thread = open_thread(vault, committed)
    reply(vault, thread, committed)
    assert notification_mail.send_digests() == 1
    assert TITLE in mailoutbox[0].body


@pytest.mark.django_db
def test_an_immediate_mail_queued_before_a_ban_is_not_sent_after_it(
    vault, committed, staff, mailoutbox, django_capture_on_commit_callbacks
):
    thread = open_thread(vault, committed, watch=False)
    with django_capture_on_commit_callbacks(execute=False):  # no notification job yet
        post = actions.reply(vault["author"], thread, body=f"@{vault['watcher'].username} look")
    # The notification is written (the member may read now); its mail leaves after commit.
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        written = notifications.post_created(post.pk)
    assert [n.user for n in written] == [vault["watcher"]]
    ban(vault["community"], vault["watcher"], staff, committed)
    for callback in after_commit:  # the queued mail job runs only now
        callback()
    assert mailoutbox == []
    assert Notification.objects.get(pk=written[0].pk).emailed_at is None


@pytest.mark.django_db
def test_an_immediate_mail_still_goes_out_without_a_ban(
    vault, committed, mailoutbox, django_capture_on_commit_callbacks
):
    thread = open_thread(vault, committed, watch=False)
    with django_capture_on_commit_callbacks(execute=False):
        post = actions.reply(vault["author"], thread, body=f"@{vault['watcher'].username} look")
    with django_capture_on_commit_callbacks(execute=True):
        written = notifications.post_created(post.pk)
    assert [m.to for m in mailoutbox] == [[vault["watcher"].email]]
    assert Notification.objects.get(pk=written[0].pk).emailed_at is not None


# --- Reads: the page, the API, the counts, the item's redirect -----------------------


@pytest.mark.django_db
def test_list_page_api_counts_and_redirect_after_a_ban(client, vault, committed, staff):
    thread = open_thread(vault, committed)
    reply(vault, thread, committed)
    watcher = vault["watcher"]
    notification = Notification.objects.get(user=watcher)
    auth = api(client, watcher)
    assert client.get("/api/v1/notifications", **auth).json()["unread"] == 1  # control
    ban(vault["community"], watcher, staff, committed)

    response = client.get("/api/v1/notifications", **auth)
    assert response.json() == {"items": [], "unread": 0}
    assert client.get("/api/v1/notifications?unread=true", **auth).json()["items"] == []
    assert client.get("/api/v1/me", **auth).json()["unread"]["notifications"] == 0
    assert unread.count("notifications", watcher) == 0
    marked = client.post(
        "/api/v1/notifications/read",
        {"ids": [notification.pk]},
        content_type="application/json",
        **auth,
    )
    assert marked.json() == {"marked": 0, "unread": 0}  # not even a count of hidden ones

    client.force_login(watcher)
    page = client.get("/notifications/").content.decode()
    assert TITLE not in page and "Vault" not in page and "vault" not in page
    assert "data-unread-notifications" not in page or 'data-count="0"' in page
    assert client.get(f"/notifications/{notification.pk}/").status_code == 404


@pytest.mark.django_db
def test_list_after_leaving_a_private_community(client, vault, committed):
    thread = open_thread(vault, committed)
    reply(vault, thread, committed)
    with committed():
        community_actions.leave(vault["watcher"], vault["community"])
    assert notifications.recent(vault["watcher"]) == []
    assert notifications.unread_count(vault["watcher"]) == 0


@pytest.mark.django_db
def test_a_thread_moved_to_a_community_the_member_cannot_read(
    client, vault, committed, make_community, make_user, add_member
):
    public = make_community("lobby", visibility="public")
    member = make_user()
    add_member(public, member)
    with committed():
        thread = actions.create_thread(member, public, kind="discussion", title=TITLE, body="b")
    other = make_user()
    add_member(public, other)
    with committed():
        actions.reply(other, thread, body="Reply")
    assert notifications.unread_count(member) == 1
    # No action moves threads yet; the admin can, and a later action will.
    type(thread).objects.filter(pk=thread.pk).update(community=vault["community"])
    assert notifications.recent(member) == []
    assert notifications.unread_count(member) == 0
    client.force_login(member)
    assert TITLE not in client.get("/notifications/").content.decode()


@pytest.mark.django_db
def test_a_public_community_made_private(client, committed, make_community, make_user, staff):
    lobby = make_community("lobby", visibility="public")
    author, reader = make_user(), make_user()
    community_actions.join(author, lobby)
    with committed():
        thread = actions.create_thread(author, lobby, kind="discussion", title=TITLE, body="b")
    actions.watch(reader, thread=thread)  # a non-member may watch a public thread
    with committed():
        actions.reply(author, thread, body="news")
    assert notifications.unread_count(reader) == 1
    with committed():
        community_actions.update_community(staff, lobby, visibility="private")
    assert notifications.recent(reader) == []
    assert notifications.unread_count(reader) == 0
    assert notification_mail.send_digests() == 0


@pytest.mark.django_db
def test_public_communities_stay_readable_after_a_ban(
    client, committed, make_community, make_user, add_member, staff
):
    lobby = make_community("lobby", visibility="public")
    author, member = make_user(), make_user()
    for user in (author, member):
        add_member(lobby, user)
    with committed():
        thread = actions.create_thread(author, lobby, kind="discussion", title=TITLE, body="b")
    actions.watch(member, thread=thread)
    with committed():
        actions.reply(author, thread, body="news")
    ban(lobby, member, staff, committed)
    assert [n.thread.title for n in notifications.recent(member)] == [TITLE]


# --- Watching: lost with access, never notified after a ban --------------------------


@pytest.mark.django_db
def test_a_ban_ends_watching_even_in_a_public_community(
    committed, make_community, make_user, add_member, staff
):
    lobby = make_community("lobby", visibility="public")
    author, member = make_user(), make_user()
    for user in (author, member):
        add_member(lobby, user)
    with committed():
        thread = actions.create_thread(author, lobby, kind="discussion", title=TITLE, body="b")
    actions.watch(member, community=lobby)
    actions.watch(member, thread=thread)
    ban(lobby, member, staff, committed)
    assert not Subscription.objects.filter(user=member).exists()
    with committed():
        actions.create_thread(author, lobby, kind="discussion", title="Next", body="b")
        actions.reply(author, thread, body="more")
    assert not Notification.objects.filter(user=member).exists()


@pytest.mark.django_db
def test_leaving_a_private_community_ends_watching_it(vault, committed, make_community):
    lobby = make_community("lobby", visibility="public")
    thread = open_thread(vault, committed)
    actions.watch(vault["watcher"], community=vault["community"])
    actions.watch(vault["watcher"], community=lobby)
    with committed():
        community_actions.leave(vault["watcher"], vault["community"])
    kept = Subscription.objects.filter(user=vault["watcher"])
    assert [(s.thread_id, s.community_id) for s in kept] == [(None, lobby.pk)]
    assert thread.pk  # the thread is still there for its members


# --- The me stream: what a reconnecting socket replays -------------------------------


@pytest.mark.django_db
def test_the_me_stream_replays_no_title_after_a_ban(vault, committed, staff):
    thread = open_thread(vault, committed)
    reply(vault, thread, committed)
    address = f"me:{vault['watcher'].pk}"
    rows, _last = publish.replay(address, 0)
    assert any(row.data.get("title") == TITLE for row in rows)  # control
    ban(vault["community"], vault["watcher"], staff, committed)
    rows, _last = publish.replay(address, 0)
    assert rows  # still numbered, gap-free: a reconnecting client is not sent to reload
    for row in rows:
        if row.event == "notification.created":
            assert TITLE not in str(row.data) and row.data["community"] != "vault"


# --- Query counts stay constant ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 4])
def test_the_api_list_queries_do_not_grow(
    client, vault, committed, make_user, add_member, size, django_assert_num_queries
):
    thread = open_thread(vault, committed)
    for _ in range(size):
        reply(vault, thread, committed)
    auth = api(client, vault["watcher"])
    client.get("/api/v1/notifications", **auth)
    # The token and its user, the list with all it shows, the unread count.
    with django_assert_num_queries(3):
        data = client.get("/api/v1/notifications", **auth).json()
    assert len(data["items"]) == data["unread"] == size

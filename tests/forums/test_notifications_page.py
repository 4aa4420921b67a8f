"""The notifications page: unread apart from read, reasons, excerpts, avatars, mark read."""

import re

import pytest

from forums import actions, notifications
from forums.models import Notification

URL = "/notifications/"


@pytest.fixture
def forum(make_community, make_user, add_member):
    support = make_community("support", visibility="private", join_policy="request")
    asker, helper = make_user(), make_user()
    for user in (asker, helper):
        add_member(support, user)
    return {"community": support, "asker": asker, "helper": helper}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def items(html):
    return re.findall(r'<li class="(notification[^"]*)">(.*?)</li>', html, re.S)


def text(fragment):
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def ask(forum, committed, title="Wobbly wheel", body="Help"):
    with committed():
        return actions.create_thread(
            forum["asker"], forum["community"], kind="question", title=title, body=body
        )


@pytest.mark.django_db
def test_unread_and_read_look_and_read_differently(client, forum, committed):
    thread = ask(forum, committed)
    with committed():
        actions.reply(forum["helper"], thread, body="First **tip**: true the wheel. <i>raw</i>")
        actions.reply(forum["helper"], thread, body="Second tip: check the spokes.")
    first = Notification.objects.filter(user=forum["asker"]).order_by("pk").first()
    notifications.mark_read(forum["asker"], ids=[first.pk])
    client.force_login(forum["asker"])
    html = client.get(URL).content.decode()
    rows = items(html)
    assert [classes for classes, _ in rows] == ["notification notification-unread", "notification"]
    unread, read = (text(body) for _, body in rows)
    # The pill is text before the reason, so screen readers say it too.
    assert f"Unread : {forum['helper'].username} replied" in unread
    assert "Unread" not in read
    assert "Second tip: check the spokes." in unread
    assert "First tip: true the wheel." in read  # an excerpt of the post, as plain text
    assert "<strong>tip" not in html  # plain text: the post's markup is dropped...
    assert "&lt;i&gt;raw&lt;/i&gt;" in html and "<i>raw" not in html  # ...and typed tags escaped


@pytest.mark.django_db
def test_listing_is_not_reading_but_opening_is(client, forum, committed):
    thread = ask(forum, committed)
    with committed():
        post = actions.reply(forum["helper"], thread, body="Tip")
    client.force_login(forum["asker"])
    client.get(URL)
    client.get(URL)
    notification = Notification.objects.get(user=forum["asker"])
    assert notification.read_at is None
    html = client.get(URL).content.decode()
    link = f'href="/notifications/{notification.pk}/"'
    assert link in html
    response = client.get(f"/notifications/{notification.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}#post-{post.number}"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert items(client.get(URL).content.decode())[0][0] == "notification"


@pytest.mark.django_db
def test_one_cannot_open_someone_elses_notification(client, forum, committed, make_user):
    thread = ask(forum, committed)
    with committed():
        actions.reply(forum["helper"], thread, body="Tip")
    notification = Notification.objects.get(user=forum["asker"])
    client.force_login(make_user())
    assert client.get(f"/notifications/{notification.pk}/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.django_db
def test_mark_all_as_read(client, forum, committed):
    thread = ask(forum, committed)
    with committed():
        for n in range(3):
            actions.reply(forum["helper"], thread, body=f"Tip {n}")
    client.force_login(forum["asker"])
    html = client.get(URL).content.decode()
    assert "Mark all as read" in html
    response = client.post(URL, {"read_all": "1"})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Notification.objects.filter(user=forum["asker"], read_at__isnull=True).exists()
    html = client.get(URL).content.decode()
    assert [classes for classes, _ in items(html)] == ["notification"] * 3
    assert "Mark all as read" not in html


@pytest.mark.django_db
def test_reasons_speak_to_the_member(client, forum, committed, staff, add_member, make_user):
    helper = forum["helper"]
    helper.profile.display_name = "Hélène"
    helper.profile.save()
    thread = ask(forum, committed)
    with committed():
        answer = actions.reply(helper, thread, body="Tip")
        actions.reply(helper, thread, body=f"Ping @{forum['asker'].username}")
    with committed():
        actions.reply(forum["asker"], thread, body="Thanks", reply_to=answer)
    with committed():
        actions.accept_answer(forum["asker"], thread, answer)
    client.force_login(forum["asker"])
    asker_page = text(client.get(URL).content.decode())
    assert "Hélène replied in a thread you watch" in asker_page
    assert "Hélène mentioned you" in asker_page
    client.force_login(helper)
    helper_page = text(client.get(URL).content.decode())
    assert "replied to your post" in helper_page
    assert "accepted your answer" in helper_page
    assert " me " not in f" {asker_page} {helper_page} "


@pytest.mark.django_db
def test_idea_news_reads_from_the_voters_and_the_authors_side(
    client, make_community, make_user, add_member, staff, committed
):
    ideas = make_community("ideas", visibility="public", join_policy="open")
    author, voter = make_user(), make_user()
    for user in (author, voter):
        add_member(ideas, user)
    with committed():
        idea = actions.create_thread(author, ideas, kind="idea", title="Dark mode", body="Please")
        actions.vote(voter, idea)
    with committed():
        actions.set_idea_status(staff, idea, status="planned")
    client.force_login(voter)
    page = text(client.get(URL).content.decode())
    assert "updated an idea you voted for" in page and "Planned" in page
    client.force_login(author)
    assert "updated your idea" in text(client.get(URL).content.decode())


@pytest.mark.django_db
def test_each_item_shows_the_actors_avatar(client, forum, committed):
    thread = ask(forum, committed)
    with committed():
        actions.reply(forum["helper"], thread, body="Tip")
    client.force_login(forum["asker"])
    (_classes, body), *_ = items(client.get(URL).content.decode())
    assert re.search(r'class="avatar[^"]*"', body)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 3, 8])
def test_the_page_queries_do_not_grow_with_the_notifications(
    client, forum, committed, make_user, add_member, size, django_assert_num_queries
):
    thread = ask(forum, committed)
    for _ in range(size):  # a different actor each time: one avatar and profile each
        helper = make_user()
        add_member(forum["community"], helper)
        with committed():
            actions.reply(helper, thread, body="Tip")
    client.force_login(forum["asker"])
    client.get(URL)
    # Session, user, the header's unread count, the notifications with all they show.
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert len(items(response.content.decode())) == size

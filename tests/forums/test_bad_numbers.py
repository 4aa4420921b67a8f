"""Integers from query strings and form fields are bounded before they reach the database.

Issue 12, defect 6 (forms side): a 5,000-digit poll option passed ``isdecimal()``
then failed ``int()`` (500); 2**70 passed ``int()`` then failed in SQLite.
"""

import pytest
from django.test import Client

from community.validators import MAX_DB_INT, parse_int
from forums import actions
from forums.models import PollVote

pytestmark = pytest.mark.postgres_too

HUGE = [str(2**70), str(2**63), "9" * 5000, "١٢", "-1", "1e3", " 7 "]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("0", 0),
        (str(MAX_DB_INT), MAX_DB_INT),
        (str(MAX_DB_INT + 1), None),
        (str(2**70), None),
        ("9" * 5000, None),
        ("١٢", None),  # Arabic-Indic digits: isdecimal() says yes
        ("-1", None),
        ("+1", None),
        ("1_000", None),
        ("", None),
        (None, None),
        (3, 3),
        (True, None),
    ],
)
def test_parse_int(value, expected):
    assert parse_int(value) == expected


@pytest.fixture
def poll(make_community, make_user, add_member):
    club = make_community("club")
    member = make_user()
    add_member(club, member)
    thread = actions.create_thread(
        member,
        club,
        kind="poll",
        title="Colour?",
        body="Pick",
        poll={"options": ["Red", "Blue"]},
    )
    return {"thread": thread, "member": member}


@pytest.fixture
def member_client(poll):
    client = Client(raise_request_exception=False)
    client.force_login(poll["member"])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("name", ["after", "quote"])
def test_thread_page_query_numbers(member_client, poll, name, value):
    response = member_client.get(poll["thread"].get_absolute_url(), {name: value})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("value", HUGE)
def test_poll_answer_with_an_absurd_option(member_client, poll, value):
    response = member_client.post(f"{poll['thread'].get_absolute_url()}answer/", {"option": value})
    assert response.status_code == 302
    assert not PollVote.objects.exists()


@pytest.mark.django_db
def test_poll_answer_still_counts_a_real_option(member_client, poll):
    option = poll["thread"].poll.options.first()
    response = member_client.post(
        f"{poll['thread'].get_absolute_url()}answer/", {"option": str(option.pk)}
    )
    assert response.status_code == 302
    assert PollVote.objects.filter(option=option).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("value", [str(2**70), "9" * 5000])
def test_reply_to_an_absurd_post(member_client, poll, value):
    response = member_client.post(
        f"{poll['thread'].get_absolute_url()}reply/", {"body": "Hi", "reply_to": value}
    )
    assert response.status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize("value", HUGE)
def test_members_page_after(member_client, poll, value):
    assert member_client.get("/c/club/members/", {"after": value}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("value", HUGE)
def test_revoking_an_absurd_invitation(poll, staff, value):
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    assert client.post("/c/club/invitations/", {"revoke": value}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/c/club/t/{n}/",
        "/posts/{n}/history/",
        "/posts/{n}/edit/",
        "/notifications/{n}/",
    ],
)
def test_absurd_ids_in_paths_are_missing(member_client, poll, path):
    for n in (2**70, "9" * 5000):
        assert member_client.get(path.format(n=n)).status_code == 404

"""The offer reaches an expert's open socket through the real consumer, and only theirs."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from badges.actions import awards
from community import actions as community_actions
from community.site.asgi import application
from forums import actions as forums_actions
from forums.moderation.care import actions
from forums.moderation.care.models import QuestionClock
from tests.factories import UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = (b"origin", b"http://localhost")


@sync_to_async
def world():
    staff = UserFactory(is_staff=True)
    support = community_actions.create_community(
        staff, slug="help", name="Help", kind="support", visibility="public", join_policy="open"
    )
    expert, idle, asker = UserFactory(), UserFactory(), UserFactory()
    badge = awards.create_badge(staff, community=support, name="Hero", mode="manual", enabled=True)
    for user in (expert, idle, asker):
        community_actions.join(user, support)
    for user in (expert, idle):
        awards.grant(staff, badge, user, reason="Good answers")
        actions.opt_in(user, support)
    sessions = {}
    for user in (expert, idle):
        client = Client()
        client.force_login(user)
        sessions[user.pk] = client.session.session_key
    return support, expert, idle, asker, sessions


async def open_socket(session_key):
    communicator = WebsocketCommunicator(
        application, "/ws/", headers=[ORIGIN, (b"cookie", f"sessionid={session_key}".encode())]
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data=json.dumps({"op": "subscribe", "stream": "me"}))
    assert json.loads(await communicator.receive_from())["op"] == "subscribed"
    return communicator


async def test_a_new_question_is_offered_on_the_experts_socket():
    support, expert, _idle, asker, sessions = await world()
    socket = await open_socket(sessions[expert.pk])  # ``idle`` has no socket open
    thread = await sync_to_async(forums_actions.create_thread)(
        asker, support, kind="question", title="Cannot log in", body="Help!"
    )
    frame = json.loads(await socket.receive_from(timeout=5))
    assert frame["stream"] == "me" and frame["event"] == "question.offered"
    assert frame["data"]["thread"] == thread.pk and frame["data"]["community"] == "help"
    offered_to = await sync_to_async(lambda: QuestionClock.objects.get(thread=thread).offered_to)()
    assert offered_to == [expert.pk]
    await socket.disconnect()
    # Once the socket is gone the expert is offline: nobody is offered the next one.
    await asyncio.sleep(0.05)
    second = await sync_to_async(forums_actions.create_thread)(
        asker, support, kind="question", title="Still cannot", body="Help!!"
    )
    offered = await sync_to_async(lambda: QuestionClock.objects.get(thread=second))()
    assert offered.offered_to == []


async def test_sockets_mark_their_user_online_in_the_shared_cache(monkeypatch):
    from django.core.cache import cache

    from forums.moderation.care import online
    from realtime import socket_hooks

    monkeypatch.setattr(socket_hooks, "HOOK_HEARTBEAT_SECONDS", 0.05)
    _support, expert, idle, _asker, sessions = await world()
    key = online._key(expert.pk)
    first = await open_socket(sessions[expert.pk])
    second = await open_socket(sessions[expert.pk])
    assert cache.get(key) is not None  # what another daphne process reads
    # Another process's socket: only the shared cache knows it.
    await sync_to_async(online.mark)(idle.pk)
    assert online.online([expert.pk, idle.pk]) == {expert.pk, idle.pk}
    # The heartbeat marks again whoever is connected here (the entry expires otherwise).
    cache.delete(key)
    for _ in range(100):
        await asyncio.sleep(0.02)
        if cache.get(key) is not None:
            break
    assert cache.get(key) is not None
    monkeypatch.setattr(socket_hooks, "HOOK_HEARTBEAT_SECONDS", 60)
    await asyncio.sleep(0.1)  # no beat in flight past here to mark the expert again
    await first.disconnect()
    assert cache.get(key) is not None  # the expert still has a socket open here
    await second.disconnect()
    await asyncio.sleep(0.05)
    assert cache.get(key) is None and online.online([expert.pk]) == set()

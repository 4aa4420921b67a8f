"""Fixtures shared by the whole suite: people, communities, event capture.

Tests marked ``production`` need PostgreSQL and Redis (DATABASE_URL and
REDIS_URL, which .ci/run sets when those servers answer); elsewhere they are
skipped with the reason shown.
"""

import asyncio
import json
import os
import threading
from contextlib import contextmanager

import pytest
from channels.layers import get_channel_layer
from django.core.cache import cache

from community import actions
from realtime.streams import group_for
from tests.factories import UserFactory


def pytest_collection_modifyitems(config, items):
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if not missing:
        return
    skip = pytest.mark.skip(reason=f"production path: set {' and '.join(missing)}")
    for item in items:
        if "production" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and throttles count in the cache: each test starts at zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    return UserFactory(username="staffer", is_staff=True, is_superuser=True)


@pytest.fixture
def make_user(db):
    return UserFactory


@pytest.fixture
def make_community(staff):
    """Create a community through the action, as staff (who becomes its manager)."""

    def make(slug="club", *, visibility="public", join_policy="open", kind="discussion", **extra):
        return actions.create_community(
            staff,
            slug=slug,
            name=extra.pop("name", slug.title()),
            kind=kind,
            visibility=visibility,
            join_policy=join_policy,
            **extra,
        )

    return make


@pytest.fixture
def add_member(staff):
    """Put a user into a community in a given role and state, through the actions."""

    def add(community, user, role="member", state="active"):
        if state == "banned":
            return actions.ban(staff, community, user)
        invitation = None
        if community.join_policy == "invite" or community.visibility == "hidden":
            invitation = actions.invite(staff, community, email=user.email)
        membership = actions.join(user, community, invitation=invitation)
        if state == "active" and membership.state == "pending":
            membership = actions.approve(staff, community, user)
        if state == "pending" and membership.state == "active":
            raise ValueError("Use a join-on-request community for pending members.")
        if role != "member":
            membership = actions.set_role(staff, community, user, role=role)
        return membership

    return add


class _Listener:
    """A channel-layer channel on groups, driven from an event loop of its own.

    The Redis Pub/Sub layer keeps one connection per event loop and only lets a
    loop's own channels join groups, so every call for one listener must run on
    the same loop: a thread's, not a new one per ``async_to_sync`` call.
    """

    def __init__(self, layer, groups):
        self.layer, self.groups = layer, groups
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.channel = self._run(layer.new_channel())
        for group in groups:
            self._run(layer.group_add(group, self.channel))

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def drain(self):
        messages = []
        while True:
            try:
                messages.append(self._run(_receive_now(self.layer, self.channel)))
            except TimeoutError:
                return messages

    def close(self):
        for group in self.groups:
            self._run(self.layer.group_discard(group, self.channel))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def capture_events(django_capture_on_commit_callbacks):
    """Listen on real channel-layer groups while a block runs and commits.

    Yields a function ``listen(*addresses)`` returning a list that fills with
    the events published to those stream addresses (and "u.<id>" user groups)
    once the block's on-commit callbacks have run.
    """
    layer = get_channel_layer()

    @contextmanager
    def listen(*addresses):
        groups = [a if a.startswith("u.") else group_for(a) for a in addresses]
        listener = _Listener(layer, groups)
        received = []
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield received
        finally:
            for message in listener.drain():
                if "text" in message:  # a stream event: its frame, as a client reads it
                    message = {**json.loads(message["text"]), **message}
                received.append(message)
            listener.close()

    return listen


async def _receive_now(layer, channel):
    from channels.layers import InMemoryChannelLayer

    # In memory, a published event is there at once; through Redis it takes a round trip.
    timeout = 0.05 if isinstance(layer, InMemoryChannelLayer) else 0.5
    return await asyncio.wait_for(layer.receive(channel), timeout=timeout)

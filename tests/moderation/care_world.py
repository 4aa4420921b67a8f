"""A support community with a moderator, experts and askers, built through the actions."""

from contextlib import contextmanager

import pytest
from django.test.utils import CaptureQueriesContext  # noqa: F401  (re-exported for tests)

from badges.actions import awards
from forums import actions as forums_actions
from forums.moderation.care import online


@pytest.fixture(name="care")
def care_fixture(staff, make_user, make_community, add_member, django_capture_on_commit_callbacks):
    support = make_community("help", kind="support", name="Help")
    moderator, asker, plain = make_user(), make_user(), make_user()
    experts = [make_user() for _ in range(5)]
    add_member(support, moderator, role="moderator")
    for user in (asker, plain, *experts):
        add_member(support, user)
    with django_capture_on_commit_callbacks(execute=True):
        badge = awards.create_badge(
            staff, community=support, name="Support hero", mode="manual", enabled=True
        )
        for expert in experts:
            awards.grant(staff, badge, expert, reason="Answers well")

    @contextmanager
    def committed():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    def ask(title="My printer is on fire", by=None, *, commit=True):
        """Ask a question; ``commit=False`` inside a block that runs on-commit work itself
        (``capture_events``: nested captures would run each callback twice)."""

        def create():
            return forums_actions.create_thread(
                by or asker, support, kind="question", title=title, body="Help me please."
            )

        if not commit:
            return create()
        with committed():
            return create()

    def answer(thread, by, body="Try this."):
        with committed():
            return forums_actions.reply(by, thread, body=body)

    class World:
        pass

    world = World()
    world.__dict__.update(
        staff=staff,
        support=support,
        moderator=moderator,
        asker=asker,
        plain=plain,
        experts=experts,
        badge=badge,
        ask=ask,
        answer=answer,
        committed=committed,
        online=lambda *users: [online.mark(user.pk) for user in users],
    )
    return world

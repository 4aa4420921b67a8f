"""seed_scale's optional extras: reactions, the activity ledger, spread joins, CRM consent.

Kept apart from the command (which stays under 500 lines). Millions of rows are
inserted in bulk without model instances: ``COPY`` on PostgreSQL, ``executemany`` on
SQLite, ten times faster than ``bulk_create`` here (building the instances and their
SQL cost more than the database's work). Entries are only ever inserted: the ledger
stays append-only. Everything here draws from
its own random stream, so the command's own data (members, threads, posts, accepted
answers) is the same with or without the extras for a given ``--seed``; only
``--join-spread`` changes who writes (an author has joined before they post).

The ledger entries are the ones the actions write, with the same verbs, objects, data
keys and times (``community.actions.memberships.join``, ``forums.actions.threads``,
``forums.actions.posts``, ``forums.actions.reactions``): a KPI computed over seeded data
reads what it would read after the same history made by hand.
"""

import bisect
import itertools
import json
import random
from collections import Counter
from datetime import timedelta

from django.db import connection

from community.models import Activity
from forums.models import Reaction

FLUSH = 20_000  # ledger entries or reactions held before a bulk insert
DAY = 86400.0
COLUMNS = {
    Activity: (
        "created_at",
        "verb",
        "actor_id",
        "community_id",
        "target_user_id",
        "object_type",
        "object_id",
        "data",
    ),
    Reaction: ("post_id", "user_id", "kind", "created_at"),
}
REACTION_KINDS = ("like", "helpful", "love", "insightful", "funny")
REACTION_CUMULATIVE = tuple(itertools.accumulate((60, 20, 10, 6, 4)))


def distribution_mean(low, high, tail):
    """The expected value of seed_scale's posts-per-thread draw."""
    if low == high:
        return float(low)
    if not tail:
        return (low + high) / 2
    span = high - low + 1  # low + floor(span * u**3): sum of P(floor(...) >= j)
    return low + sum(1 - (j / span) ** (1 / 3) for j in range(1, span))


class Extras:
    """What ``--reactions``, ``--ledger``, ``--join-spread`` and ``--crm-share`` add."""

    def __init__(self, *, seed, now, spread_days, reactions, ledger, join_spread, crm_share):
        self.rng = random.Random(f"seed_scale extras {seed}")
        self.now = now
        self.start = now - timedelta(days=spread_days)  # when the founders joined
        self.spread_seconds = spread_days * DAY - 3600
        self.reactions = reactions
        self.rate = 0.0  # reactions per post, set by expect_posts()
        self.ledger = ledger
        self.join_spread = join_spread
        self.crm_share = crm_share
        self.members = []
        self.join_ts = None
        self.shift = {}
        self.pending = {Activity: [], Reaction: []}
        self.counts = {"reactions": 0, "activity": 0}

    # --- members ------------------------------------------------------------------------

    def shares_with_crm(self):
        return self.crm_share > 0 and self.rng.random() < self.crm_share

    def set_members(self, member_ids, communities):
        """Members in order; with ``--join-spread``, when each position joins.

        Half of the members (the first positions) found every community; the others join
        one after the other until an hour before now. Each community takes the members
        in a slightly different order (rotated by a 40th of them from one community to
        the next), so that they do not join everywhere at once, yet a late member is new
        to the site too, not only to a community.
        """
        self.members = member_ids
        n = len(member_ids)
        self.shift = {c.pk: index * n // 40 % n for index, c in enumerate(communities)}
        if not self.join_spread:
            return
        base = self.start.timestamp()
        half = (n + 1) // 2
        late = n - half
        self.join_ts = [base] * half + [
            base + self.spread_seconds * (p - half + 1) / late for p in range(half, n)
        ]

    def joined_at(self, community_pk, member_index):
        if self.join_ts is None or member_index == 0:  # the manager founds every community
            return self.start
        position = (member_index - self.shift[community_pk]) % len(self.members)
        return self.start + timedelta(seconds=self.join_ts[position] - self.join_ts[0])

    def pick(self, rng, community_pk, at):
        """A random member of the community who has joined by ``at``."""
        if self.join_ts is None:
            return rng.choice(self.members)  # the command's draw, as before the extras
        joined = bisect.bisect_right(self.join_ts, at.timestamp())
        position = rng.randrange(joined)
        return self.members[(position + self.shift[community_pk]) % len(self.members)]

    # --- reactions ----------------------------------------------------------------------

    def expect_posts(self, posts):
        if self.reactions and posts:
            self.rate = self.reactions / posts

    def reactions_for(self, community_pk, author, at):
        """``[(member, kind, created_at)]`` on one post: a skewed number (exponential with
        the mean rate, rounded at random), by members other than its author, each
        (member, kind) once, mostly within a day of the post, never after now."""
        if not self.rate:
            return []
        rng = self.rng
        wanted = int(rng.expovariate(1 / self.rate) + rng.random())
        if not wanted:
            return []
        gap = (self.now - at).total_seconds()
        found, seen = [], set()
        for _ in range(4 * wanted):
            if len(found) == wanted:
                break
            delay = rng.expovariate(1 / DAY)
            if delay > gap:
                delay = gap * rng.random()
            when = at + timedelta(seconds=delay)
            member = self.pick(rng, community_pk, when)
            kind = REACTION_KINDS[
                bisect.bisect_right(REACTION_CUMULATIVE, rng.random() * REACTION_CUMULATIVE[-1])
            ]
            if member == author or (member, kind) in seen:
                continue
            seen.add((member, kind))
            found.append((member, kind, when))
        return found

    @staticmethod
    def counters(reactions):
        return dict(Counter(kind for _member, kind, _at in reactions))

    # --- writing ------------------------------------------------------------------------

    def add(self, model, row):
        rows = self.pending[model]
        rows.append(row)
        if len(rows) >= FLUSH:
            self.flush(model)

    def flush(self, model=None):
        for each in [model] if model else list(self.pending):
            rows = self.pending[each]
            if rows:
                insert(each, rows)
                self.counts["activity" if each is Activity else "reactions"] += len(rows)
                rows.clear()

    def entry(self, verb, at, *, actor, community_pk, obj_type, obj_id, target=None, **data):
        if self.ledger:
            self.add(
                Activity,
                (at, verb, actor, community_pk, target, obj_type, obj_id, json.dumps(data)),
            )

    def memberships(self, memberships):
        """``membership.joined`` of each new membership, as ``community.actions.join``."""
        for membership in memberships:
            self.entry(
                "membership.joined",
                membership.joined_at,
                actor=membership.user_id,
                community_pk=membership.community_id,
                target=membership.user_id,
                obj_type="membership",
                obj_id=membership.pk,
                invited=False,
            )

    def chunk(self, plans, created_posts):
        """Reactions of a chunk of threads and, with ``--ledger``, their entries.

        ``plans`` are ``(thread, posts, reactions)`` with ``posts`` as
        ``(author, created_at, body)`` and ``reactions`` per post; ``created_posts`` the
        posts in the same order, with their ids.
        """
        position = 0
        for thread, posts, reactions in plans:
            rows = created_posts[position : position + len(posts)]
            position += len(posts)
            community_pk = thread.community_id
            self.entry(
                "thread.created",
                thread.created_at,
                actor=thread.author_id,
                community_pk=community_pk,
                obj_type="thread",
                obj_id=thread.pk,
                kind=thread.kind,
                post=rows[0].pk,
            )
            answered = False
            for post in rows[1:]:
                first = not answered and post.author_id != thread.author_id
                answered = answered or first
                self.entry(
                    "post.created",
                    post.created_at,
                    actor=post.author_id,
                    community_pk=community_pk,
                    obj_type="post",
                    obj_id=post.pk,
                    thread=thread.pk,
                    first_response=first,
                )
            for post, given in zip(rows, reactions, strict=True):
                for member, kind, at in given:
                    self.add(Reaction, (post.pk, member, kind, at))
                    self.entry(
                        "reaction.added",
                        at,
                        actor=member,
                        community_pk=community_pk,
                        target=post.author_id,
                        obj_type="post",
                        obj_id=post.pk,
                        kind=kind,
                    )
            if thread.accepted_post_id:
                accepted = next(post for post in rows if post.pk == thread.accepted_post_id)
                gap = (self.now - accepted.created_at).total_seconds()
                delay = min(self.rng.expovariate(1 / DAY), gap * self.rng.random())
                self.entry(
                    "answer.accepted",
                    accepted.created_at + timedelta(seconds=delay),
                    actor=thread.author_id,
                    community_pk=community_pk,
                    target=accepted.author_id,
                    obj_type="post",
                    obj_id=accepted.pk,
                    thread=thread.pk,
                )
        self.flush()


def insert(model, rows):
    """Insert ``rows`` (tuples in ``COLUMNS[model]`` order, times aware) into the table."""
    table = model._meta.db_table
    columns = COLUMNS[model]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        at = columns.index("created_at")
        adapt = connection.ops.adapt_datetimefield_value
        names, marks = ", ".join(columns), ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 (the model's names)
            [(*row[:at], adapt(row[at]), *row[at + 1 :]) for row in rows],
        )

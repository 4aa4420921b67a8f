"""Bulk data for benchmarks: many members, threads and posts, fast.

This is a benchmark fixture, not a user action, so it bypasses ``community.actions``
and ``forums.actions`` on purpose: going through them would cost one transaction, a
row lock, an Activity row and a channel-layer publish per post (hours for millions of
posts), and none of that is what the benchmarks measure. Instead it writes with
``bulk_create`` in batches, one transaction per chunk of threads, and keeps the data
exactly as consistent as the actions would have left it:

- every account has a Profile (``post_save`` does not fire on ``bulk_create``), its
  ``username_skeleton`` (normally computed in ``User.save()``) and a verified primary
  e-mail address, so it can sign in through ``/accounts/login/``;
- every member is an active member of every seeded community, and every author is one;
- posts are numbered 1..n per thread in id order (the thread page pages by post id);
- ``Thread.post_count``, ``last_activity_at`` (the last post's time) and
  ``first_response_at`` (the first post by someone other than the author) match the
  posts; some questions have an accepted answer, ideas have the status "new";
- ``Post.html`` is ``forums.markdown.render(body)``, rendered once per distinct body
  of a small pool.

On PostgreSQL it runs ANALYZE at the end, as autovacuum would some time after a bulk
load: without statistics the planner misjudges the fresh tables. (SQLite gets none,
like a deployment where nobody runs ANALYZE.)

By default it writes no Activity rows (KPIs of seeded data read as zero) and no
reactions; the KPI benchmarks ask for them (``_seed_extras``):

- ``--reactions N``: about N reactions (a skewed number per post, N / expected posts on
  average), each by a member other than the post's author, each (member, kind) once per
  post, mostly within a day of the post; ``Post.reaction_counts`` and
  ``Thread.reaction_count`` match them;
- ``--ledger``: the entries the actions would have written, at the same times:
  ``membership.joined`` per membership, ``thread.created`` (kind, opening post) per
  thread, ``post.created`` (thread, ``first_response`` true for the reply that set
  ``first_response_at``) per reply, ``reaction.added`` (kind; the post's author as
  target) per reaction, ``answer.accepted`` (thread; by the question's author, after the
  answer) per accepted answer; about a fifth of the threads are questions;
- ``--join-spread``: half of the members found each community, the others join one
  after the other over the year (in another order per community), and every post and
  reaction is by a member who has joined by then (so "new members" and retention
  cohorts have data); without it everyone joins a year ago, as before;
- ``--crm-share F``: that share of the members consent to the CRM export
  (``Profile.share_with_crm``).

These draw from a random stream of their own: for a given ``--seed`` the members,
threads and posts are the same with or without them (but for ``--join-spread``, which
changes who writes).

What it never writes: votes, revisions, notifications, badges.

Every account shares one known password (hashed once, the same hash for all: hashing
a million passwords would take hours), so the command refuses to run with
DJANGO_DEBUG=0 unless ``--force``. It also refuses to seed a slug prefix that is
already there: pass another ``--prefix``, or ``--force`` to take the next free one.
"""

import json
import random
import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from community.models import Community, Membership, Profile, User
from community.validators import skeleton
from forums import markdown
from forums.management.commands._seed_extras import Extras
from forums.management.commands._seed_specs import (
    TITLE_STARTS,
    WORDS,
    body_pool,
    parse_counts,
    parse_distribution,
)
from forums.models import Post, Thread

SCALE_PASSWORD = "scale-bench-2026"
BATCH = 2000
THREAD_CHUNK = 5000
SPREAD_DAYS = 365


class Command(BaseCommand):
    help = "Bulk-create members, communities, threads and posts for benchmarks (fast, consistent)."

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=1, help="Communities (default 1).")
        parser.add_argument(
            "--threads", type=int, default=1000, help="Threads in the first, big community."
        )
        parser.add_argument(
            "--threads-per-other",
            type=int,
            default=20,
            help="Threads in each of the other communities (default 20).",
        )
        parser.add_argument(
            "--posts-per-thread",
            default="1-10",
            help='Posts per thread: "N", "A-B" (uniform) or "A-B:tail" (default 1-10).',
        )
        parser.add_argument("--members", type=int, default=1000, help="Members (default 1000).")
        parser.add_argument(
            "--big-thread-posts",
            type=int,
            default=0,
            help="Also one thread with that many posts (page tests).",
        )
        parser.add_argument(
            "--page-threads",
            default="",
            help="Also threads with exactly these post counts, e.g. 1,20,100.",
        )
        parser.add_argument(
            "--pinned",
            type=int,
            default=2,
            help="Pinned announcements among the big community's threads (default 2).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--prefix", default="scale", help="Slug and username prefix (default 'scale')."
        )
        parser.add_argument("--bodies", type=int, default=200, help="Distinct post bodies.")
        parser.add_argument(
            "--json", action="store_true", help="Print the summary as one JSON object."
        )
        parser.add_argument(
            "--reactions", type=int, default=0, help="About this many reactions (default 0)."
        )
        parser.add_argument(
            "--ledger",
            action="store_true",
            help="Also write the Activity entries the actions would have written.",
        )
        parser.add_argument(
            "--join-spread",
            action="store_true",
            help="Half of the members join later, over the year (authors have joined first).",
        )
        parser.add_argument(
            "--crm-share",
            type=float,
            default=0.0,
            help="Share of the members who consent to the CRM export (0 to 1, default 0).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run with DJANGO_DEBUG=0 (known password), and seed again under the next "
            "free prefix if this one is taken.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_scale creates accounts with a published password; it runs only with "
                "DJANGO_DEBUG=1, or with --force."
            )
        for name in ("communities", "members"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        for name in ("threads", "threads_per_other", "big_thread_posts", "reactions"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} must not be negative.")
        if not 0 <= options["crm_share"] <= 1:
            raise CommandError("--crm-share must be between 0 and 1.")
        self.verbosity = options["verbosity"]
        self.quiet = options["json"] or self.verbosity == 0
        self.rng = random.Random(options["seed"])
        self.draw = parse_distribution(options["posts_per_thread"])
        page_counts = parse_counts(options["page_threads"])
        prefix = self._prefix(options["prefix"], options["force"])

        started = time.perf_counter()
        self.now = timezone.now()
        self.pins_left = 0
        self.counts = {"users": 0, "communities": 0, "memberships": 0, "threads": 0, "posts": 0}
        self.extras = Extras(
            seed=options["seed"],
            now=self.now,
            spread_days=SPREAD_DAYS,
            reactions=options["reactions"],
            ledger=options["ledger"],
            join_spread=options["join_spread"],
            crm_share=options["crm_share"],
        )
        self.extras.expect_posts(
            (options["threads"] + options["threads_per_other"] * (options["communities"] - 1))
            * self.draw.mean
            + sum(page_counts)
            + options["big_thread_posts"]
        )

        bodies = body_pool(self.rng, max(options["bodies"], 1))
        self.bodies = [(body, markdown.render(body)) for body in bodies]

        self.member_ids = self._users(prefix, options["members"])
        communities = self._communities(prefix, options["communities"])
        big = communities[0]
        self._log(f"members and communities: {time.perf_counter() - started:.1f} s")

        self.pins_left = min(options["pinned"], options["threads"])
        self._threads(big, options["threads"], lambda _index: self.draw(self.rng), "")
        self.pins_left = 0
        for community in communities[1:]:
            self._threads(
                community, options["threads_per_other"], lambda _i: self.draw(self.rng), ""
            )
        page_threads = {}
        for count in page_counts:
            (thread_id,) = self._threads(
                big, 1, lambda _i, n=count: n, f"Benchmark thread with {count} posts"
            )
            page_threads[str(count)] = thread_id
        big_thread = None
        if options["big_thread_posts"]:
            n = options["big_thread_posts"]
            (big_thread,) = self._threads(big, 1, lambda _i: n, f"Big thread with {n} posts")

        if connection.vendor == "postgresql":
            # Planner statistics, as autovacuum would gather them after a bulk load.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        summary = {
            "prefix": prefix,
            "communities": [c.slug for c in communities],
            "big_community": big.slug,
            "page_threads": page_threads,
            "big_thread": big_thread,
            "password": SCALE_PASSWORD,
            "sample_user": {"username": f"{prefix}_1", "email": f"{prefix}_1@example.com"},
            "manager": {"username": f"{prefix}_0", "email": f"{prefix}_0@example.com"},
            "database": connection.vendor,
            "seconds": round(elapsed, 2),
            **self.counts,
            **self.extras.counts,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_scale: {self.counts['users']} members, {self.counts['communities']} "
                f"communities, {self.counts['memberships']} memberships, "
                f"{self.counts['threads']} threads, {self.counts['posts']} posts, "
                f"{self.extras.counts['reactions']} reactions, "
                f"{self.extras.counts['activity']} ledger entries "
                f"on {connection.vendor} in {elapsed:.1f} s."
            )
        )
        self.stdout.write(f"Big community: /c/{big.slug}/  (others: {len(communities) - 1})")
        for count, thread_id in page_threads.items():
            self.stdout.write(f"Thread with {count} posts: /c/{big.slug}/t/{thread_id}/")
        if big_thread:
            self.stdout.write(f"Big thread: /c/{big.slug}/t/{big_thread}/")
        self.stdout.write(
            f"Sign in as {prefix}_1@example.com ({prefix}_0 is the communities' manager), "
            f"password: {SCALE_PASSWORD}"
        )

    # --- steps -------------------------------------------------------------------------

    def _log(self, message):
        if not self.quiet and self.verbosity > 1:
            self.stdout.write(message)

    def _prefix(self, wanted, force):
        prefix = slugify(wanted)
        if not prefix or prefix != wanted or len(prefix) > 20:
            raise CommandError("--prefix: a slug of at most 20 characters, e.g. 'scale'.")
        candidate, number = prefix, 1
        while self._taken(candidate):
            if not force:
                raise CommandError(
                    f"Data under the prefix '{candidate}' exists already (community "
                    f"'{candidate}-0' or user '{candidate}_0'). Use another --prefix, or "
                    "--force to seed again under the next free prefix."
                )
            number += 1
            candidate = f"{prefix}{number}"
        return candidate

    @staticmethod
    def _taken(prefix):
        return (
            Community.objects.filter(slug=f"{prefix}-0").exists()
            or User.objects.filter(username_skeleton=skeleton(f"{prefix}_0")).exists()
        )

    def _users(self, prefix, count):
        """Members with profiles and verified addresses; returns their ids in order."""
        password = make_password(SCALE_PASSWORD)
        ids = []
        for start in range(0, count, BATCH):
            with transaction.atomic():
                users = []
                for index in range(start, min(start + BATCH, count)):
                    username = f"{prefix}_{index}"
                    users.append(
                        User(
                            username=username,
                            username_skeleton=skeleton(username),
                            email=f"{username}@example.com",
                            password=password,
                            date_joined=self.now - timedelta(days=SPREAD_DAYS + 30),
                        )
                    )
                users = User.objects.bulk_create(users, batch_size=BATCH)
                Profile.objects.bulk_create(
                    [
                        Profile(
                            user_id=user.pk,
                            display_name=f"Rider {user.username.rsplit('_', 1)[1]}"
                            if self.rng.random() < 0.5
                            else "",
                            share_with_crm=self.extras.shares_with_crm(),
                        )
                        for user in users
                    ],
                    batch_size=BATCH,
                )
                EmailAddress.objects.bulk_create(
                    [
                        EmailAddress(user_id=user.pk, email=user.email, verified=True, primary=True)
                        for user in users
                    ],
                    batch_size=BATCH,
                )
                ids.extend(user.pk for user in users)
        self.counts["users"] += len(ids)
        return ids

    def _communities(self, prefix, count):
        manager_id = self.member_ids[0]
        communities = Community.objects.bulk_create(
            [
                Community(
                    slug=f"{prefix}-{index}",
                    name=f"Scale {index}" if index else "Scale (big)",
                    description="Benchmark data from seed_scale.",
                    kind=Community.Kind.DISCUSSION,
                    visibility=Community.Visibility.PUBLIC,
                    join_policy=Community.JoinPolicy.OPEN,
                    created_by_id=manager_id,
                    created_at=self.now - timedelta(days=SPREAD_DAYS + 1),
                    # Every member joins every community below, as community.actions
                    # would count them.
                    member_count=len(self.member_ids),
                )
                for index in range(count)
            ]
        )
        self.extras.set_members(self.member_ids, communities)
        joined_at = self.extras.joined_at  # a year ago, or spread (--join-spread)
        for community in communities:
            for start in range(0, len(self.member_ids), BATCH):
                with transaction.atomic():
                    created = Membership.objects.bulk_create(
                        [
                            Membership(
                                community_id=community.pk,
                                user_id=user_id,
                                role=Membership.Role.MANAGER
                                if user_id == manager_id
                                else Membership.Role.MEMBER,
                                state=Membership.State.ACTIVE,
                                created_at=joined_at(community.pk, index),
                                joined_at=joined_at(community.pk, index),
                            )
                            for index, user_id in enumerate(
                                self.member_ids[start : start + BATCH], start=start
                            )
                        ],
                        batch_size=BATCH,
                    )
                    self.extras.memberships(created)
                    self.extras.flush()
            self.counts["memberships"] += len(self.member_ids)
        self.counts["communities"] += len(communities)
        return communities

    def _threads(self, community, count, posts_for, title):
        """``count`` threads with their posts, in chunks; returns the thread ids."""
        ids = []
        for start in range(0, count, THREAD_CHUNK):
            size = min(THREAD_CHUNK, count - start)
            with transaction.atomic():
                ids.extend(self._chunk(community, size, posts_for, title, start))
            self._log(f"  {community.slug}: {start + size}/{count} threads")
        return ids

    def _chunk(self, community, size, posts_for, title, offset):
        rng, now, extras = self.rng, self.now, self.extras
        span = SPREAD_DAYS * 86400
        plans = []  # (thread, [(author_id, created_at, body_index)], [reactions per post])
        for index in range(size):
            kind = rng.choices(
                (Thread.Kind.DISCUSSION, Thread.Kind.QUESTION, Thread.Kind.IDEA), (7, 2, 1)
            )[0]
            if title:  # the page-test threads: all alike but for their length
                kind = Thread.Kind.DISCUSSION
            pinned = self.pins_left > 0 and not title
            if pinned:
                kind = Thread.Kind.ANNOUNCEMENT
                self.pins_left -= 1
            if extras.join_spread:  # an author who has joined by then
                created = now - timedelta(seconds=rng.randrange(3600, span))
                author = extras.pick(rng, community.pk, created)
            else:  # the draws in their first order: the same data for a given --seed
                author = extras.pick(rng, community.pk, None)
                created = now - timedelta(seconds=rng.randrange(3600, span))
            n = posts_for(index)
            # Post times: sorted points between the thread's creation and now.
            gap = (now - created).total_seconds()
            offsets = sorted(rng.random() * gap for _ in range(n - 1))
            posts = [(author, created, rng.randrange(len(self.bodies)))]
            first_response = None
            for seconds in offsets:
                at = created + timedelta(seconds=seconds)
                poster = extras.pick(rng, community.pk, at)
                posts.append((poster, at, rng.randrange(len(self.bodies))))
                if first_response is None and poster != author:
                    first_response = at
            reactions = [extras.reactions_for(community.pk, a, at) for a, at, _b in posts]
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5)))
            thread = Thread(
                community_id=community.pk,
                kind=kind,
                title=title or f"{rng.choice(TITLE_STARTS)} {words} #{offset + index + 1}",
                author_id=author,
                pinned=pinned,
                idea_status=Thread.IdeaStatus.NEW if kind == Thread.Kind.IDEA else "",
                post_count=n,
                created_at=created,
                last_activity_at=posts[-1][1],
                first_response_at=first_response,
                reaction_count=sum(len(given) for given in reactions),
            )
            plans.append((thread, posts, reactions))
        threads = Thread.objects.bulk_create([t for t, _p, _r in plans], batch_size=BATCH)
        # Posts in thread order and number order, so that ids grow with numbers.
        rows = []
        for thread, posts, reactions in plans:
            for number, ((author_id, at, body_index), given) in enumerate(
                zip(posts, reactions, strict=True), start=1
            ):
                body, html = self.bodies[body_index]
                rows.append(
                    Post(
                        thread_id=thread.pk,
                        number=number,
                        author_id=author_id,
                        body=body,
                        html=html,
                        created_at=at,
                        reaction_counts=extras.counters(given),
                    )
                )
        created_posts = Post.objects.bulk_create(rows, batch_size=BATCH)
        # Some questions with replies get an accepted answer (a reply, never the question).
        accepted = []
        position = 0
        for thread, posts, _reactions in plans:
            if thread.kind == Thread.Kind.QUESTION and len(posts) > 1 and rng.random() < 0.3:
                thread.accepted_post_id = created_posts[position + rng.randrange(1, len(posts))].pk
                accepted.append(thread)
            position += len(posts)
        if accepted:
            Thread.objects.bulk_update(accepted, ["accepted_post"], batch_size=500)
        if extras.rate or extras.ledger:
            extras.chunk(plans, created_posts)
        self.counts["threads"] += len(threads)
        self.counts["posts"] += len(created_posts)
        return [thread.pk for thread in threads]

"""Forum search at scale: write overhead of indexing, query latency, index build time.

    .venv/bin/python bench/search.py [--posts 1000000] [--database sqlite|postgres|both]

For each engine it makes a fresh database (a SQLite file in a temporary directory,
or a PostgreSQL database ``bench_search`` on 127.0.0.1 that it creates and drops),
migrates it, then:

1. **Loads** N posts with ``bulk_create`` in chunks, with the search index taken out
   (``forums.search.uninstall``), as a site that existed before search would be. The
   bench bypasses ``forums.actions`` on purpose (one transaction, activity row and
   real-time event per post would take hours for a million posts, and none of that is
   measured here): it writes communities, users, memberships, threads and posts
   directly. About 2% of posts are soft-deleted. ``Post.html`` is a cheap escaped
   paragraph (search never reads it).
2. **Builds the index** with ``forums.search.install``, exactly what migration
   ``forums.0002_search`` does on an existing site: the index build time.
3. **Write overhead**: single-post inserts through the ORM, each in its own
   transaction as a reply is, alternating rounds with the search triggers on and off
   (on PostgreSQL "off" means no row in the side table at all). Prints median and
   p99 of both and of the difference, then checks that a post is searchable at once.
   On SQLite the p99 difference is mostly WAL checkpoints: every write of the index
   adds pages to the WAL, so the checkpoint every 1000 pages comes about twice as
   often (and an FTS5 segment merge lands on about one write in 250).
4. **Queries**: ``forums.search.search()`` end to end (ranking, permission filter,
   rows, snippets) for about 50 queries, common and rare words, one to three terms,
   accented or not, as a member of 3 of the 8 private or hidden communities (and
   anonymously, and as staff). One warm-up pass, then ``--passes`` timed passes.
   Then "hard cases" apart: a common word in one small community, and pairs of
   words that rarely meet (see ``HARD``).

Text: French (60%) and English posts drawn from a Zipf-Mandelbrot distribution
(s=1) over each language's ranked vocabulary: function words first with the
commonest domain words among them ("vélo" is in about a quarter of French posts),
then domain words, then a tail of 30,000 pseudo-words shared by both languages,
plus rare product references ("RX-48213"). Fixed seed: the same data every run.
"""

import argparse
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_HOST = "127.0.0.1"
PG_DB = "bench_search"


def _words(text):
    return text.split()


FR_STOP = _words(
    "de la le et les des en un une du que est pour qui dans par sur pas au plus ne se ce "
    "avec il je mais on ou sont cette a mon ma mes tout bien aussi comme fait très si été "
    "peut vous nous elle leur j'ai c'est l'on d'un"
)
EN_STOP = _words(
    "the of and to a in is it that for on with as was at by this be not are but from or "
    "have an they you i my we so if can do just about has it's i've don't there what "
    "when all one will out up would"
)
FR_DOMAIN = _words(
    "vélo batterie frein chaîne pneu roue moteur garantie réparation atelier dérailleur "
    "selle guidon pédale cadre vitesse autonomie chargeur écran câble lumière éclairage "
    "pluie hiver été trajet commande livraison taille confort montée descente crevaison "
    "chambre valve pression rayon moyeu disque plaquette levier manette capteur couple "
    "logiciel application mise jour bruit grincement cliquetis accessoire casque antivol "
    "porte-bagages sacoche garde-boue béquille sonnette rétroviseur électrique assistance "
    "kilomètres ville montagne route gravel vtt cargo enfant siège remorque entretien "
    "graissage nettoyage révision magasin vendeur client service retour remboursement "
    "facture prix promo code offre abonnement communauté sortie balade randonnée "
    "itinéraire carte gps compteur watts cadence fourche suspension amortisseur tige "
    "potence jante tubeless boyau pignon plateau cassette roulement jeu serrage clé "
    "outil pompe gonflage usure remplacement pièce fournisseur délai stock couleur modèle "
    "version nouveau ancien problème solution conseil question réponse merci bonjour"
)
EN_DOMAIN = _words(
    "bike battery brake chain tyre wheel motor warranty repair shop derailleur saddle "
    "handlebar pedal frame gear range charger display cable light lighting rain winter "
    "summer commute order delivery size comfort climb descent puncture tube valve "
    "pressure spoke hub disc pad lever shifter sensor torque software app update noise "
    "squeak rattle accessory helmet lock rack pannier fender kickstand bell mirror "
    "electric assist miles city mountain road gravel mtb cargo kid seat trailer "
    "maintenance grease cleaning service store dealer customer return refund invoice "
    "price promo code offer subscription community ride tour route map gps computer "
    "watts cadence fork suspension shock seatpost stem rim tubeless sprocket chainring "
    "cassette bearing play torque wrench tool pump inflation wear replacement part "
    "supplier delay stock colour model version new old problem solution advice question "
    "answer thanks hello"
)
SYLLABLES = _words(
    "ba be bi bo bu ca co cu da de di do fa fe fi fo ga go gu la le li lo lu ma me mi mo "
    "na ne ni no pa pe pi po ra re ri ro ru sa se si so ta te ti to va ve vi vo za zo "
    "bra bri cla clo dra fla fri gra pla pri tra tri str an en in on un ar er ir or ix ex"
)
TAIL = 30_000
ZIPF_Q = 2.7  # Zipf-Mandelbrot offset


def ranked_vocabulary(stop, domain, tail):
    """Function words with the commonest domain words among them, then the rest."""
    head, stop = [], list(stop)
    for index, word in enumerate(domain[:8]):
        head.extend(stop[index * 6 : index * 6 + 6])
        head.append(word)
    head.extend(stop[48:])
    return head + domain[8:] + tail


def pseudo_words(rng, count):
    words, seen = [], set()
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen and len(word) > 3:
            seen.add(word)
            words.append(word)
    return words


def cumulative(count):
    total, out = 0.0, []
    for rank in range(1, count + 1):
        total += 1.0 / (rank + ZIPF_Q)
        out.append(total)
    return out


class Text:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        tail = pseudo_words(random.Random(seed + 1), TAIL)
        self.tail = tail
        self.vocab = {
            "fr": ranked_vocabulary(FR_STOP, FR_DOMAIN, tail),
            "en": ranked_vocabulary(EN_STOP, EN_DOMAIN, tail),
        }
        self.cum = {lang: cumulative(len(words)) for lang, words in self.vocab.items()}
        self.content = {
            lang: [w for w in words if w not in set(self.stop(lang))]
            for lang, words in self.vocab.items()
        }
        self.title_cum = {lang: cumulative(len(words)) for lang, words in self.content.items()}

    @staticmethod
    def stop(lang):
        return FR_STOP if lang == "fr" else EN_STOP

    def words(self, lang, count):
        return self.rng.choices(self.vocab[lang], cum_weights=self.cum[lang], k=count)

    def language(self):
        return "fr" if self.rng.random() < 0.6 else "en"

    def title(self, lang):
        count = self.rng.randint(3, 8)
        words = self.rng.choices(self.content[lang], cum_weights=self.title_cum[lang], k=count)
        return " ".join(words).capitalize()[:200]

    def body(self, lang):
        rng = self.rng
        count = max(5, min(400, int(rng.lognormvariate(3.7, 0.6))))
        words = self.words(lang, count)
        if rng.random() < 0.05:
            spot = rng.randrange(count)
            words[spot] = f"**{words[spot]}**"
        if rng.random() < 0.03:
            spot = rng.randrange(count)
            words[spot] = f"[{words[spot]}](https://example.com/{words[spot]})"
        if rng.random() < 0.02:
            words.insert(rng.randrange(count), f"RX-{rng.randint(10_000, 99_999)}")
        sentences, start = [], 0
        while start < len(words):
            end = start + rng.randint(6, 18)
            sentence = " ".join(words[start:end])
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            start = end
        return " ".join(sentences)


def queries(text):
    """About 50 searches people make: common, medium and rare words, 1 to 3 terms."""
    rng = random.Random(7)
    common = [
        "vélo",
        "velo",
        "batterie",
        "frein",
        "chaîne",
        "pneu",
        "bike",
        "battery",
        "brake",
        "chain",
        "garantie",
        "warranty",
        "moteur",
        "autonomie",
        "atelier",
    ]
    medium = [text.tail[i] for i in rng.sample(range(200, 2000), 8)]
    rare = [text.tail[i] for i in rng.sample(range(10_000, TAIL), 8)]
    refs = [f"RX-{rng.randint(10_000, 99_999)}" for _ in range(3)]
    pairs = [
        "frein disque",
        "batterie autonomie",
        "brake pad",
        "chain wear",
        "le vélo",
        "the battery",
        "réparation garantie",
        "tubeless valve",
        "mise jour",
        "app update",
    ]
    mixed = [f"{c} {m}" for c, m in zip(common[:4], medium[:4], strict=True)]
    triples = ["changer la chaîne", "rear brake pads", "l'atelier vélo", "battery range winter"]
    return common + medium + rare + refs + pairs + mixed + triples


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def ms(seconds):
    return f"{seconds * 1000:8.2f} ms"


def say(*args):
    print(*args, flush=True)


# --- One engine, in its own process (settings are read once) ----------------------


def configure(database, workdir):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.site.settings")
    os.environ.update(
        DJANGO_DEBUG="0",  # no query log growing for a million inserts
        DJANGO_SECRET_KEY="bench-search-not-secret",
        DJANGO_ALLOWED_HOSTS="localhost",
        SITE_URL="https://bench.invalid",
        DJANGO_TASKS_BACKEND="immediate",
        DJANGO_VAR_DIR=str(workdir),
    )
    os.environ.pop("REDIS_URL", None)
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"host={PG_HOST} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@{PG_HOST}:5432/{PG_DB}"
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # The collector as in the server process (community/site/asgi.py): without it, a full
    # collection of the loaded site now and then added 100 ms to one query.
    from community.site.runtime import tune_garbage_collector

    tune_garbage_collector()


def drop_postgres():
    import psycopg

    with psycopg.connect(f"host={PG_HOST} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def load(n_posts, seed):
    """Communities, users, memberships, threads and posts, in bulk. Returns the searchers."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils.html import escape

    from community.models import Community, Membership, Profile, User
    from community.validators import skeleton
    from forums.models import Post, Thread

    rng = random.Random(seed)
    text = Text(seed)
    password = make_password(None)
    visibilities = ["public"] * 12 + ["private"] * 5 + ["hidden"] * 3
    communities = Community.objects.bulk_create(
        Community(
            slug=f"c{index:02d}",
            name=f"Community {index}",
            kind="support" if index == 0 else "discussion",
            visibility=visibility,
            join_policy="open" if visibility == "public" else "invite",
        )
        for index, visibility in enumerate(visibilities)
    )
    if connection.vendor == "sqlite" or communities[0].pk is None:
        communities = list(Community.objects.order_by("slug"))
    users = User.objects.bulk_create(
        User(
            username=f"bench{index}",
            username_skeleton=skeleton(f"bench{index}"),
            email=f"bench{index}@example.com",
            password=password,
        )
        for index in range(5000)
    )
    users = list(User.objects.order_by("id"))
    Profile.objects.bulk_create(Profile(user=user) for user in users)
    staff = User.objects.create(
        username="benchstaff", email="staff@example.com", is_staff=True, password=password
    )
    memberships = []
    for user in users:
        for community in rng.sample(communities, 3):
            memberships.append(Membership(community=community, user=user))
    searcher = users[0]
    mine = {m.community_id for m in memberships if m.user_id == searcher.pk}
    for community in [c for c in communities if c.visibility != "public"][:3]:
        if community.pk not in mine:
            memberships.append(Membership(community=community, user=searcher))
    Membership.objects.bulk_create(memberships, batch_size=5000)

    # Community sizes: one big support space, then a long tail.
    weights = [1.0 / (rank + 1) for rank in range(len(communities))]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = timedelta(days=730).total_seconds()
    made, thread_index, chunk = 0, 0, 20_000
    began = time.perf_counter()
    while made < n_posts:
        threads, bodies, pending = [], [], 0
        while pending < chunk and made + pending < n_posts:
            lang = text.language()
            size = min(1 + int(30 * rng.random() ** 3), n_posts - made - pending)
            at = start + timedelta(seconds=span * (made + pending) / n_posts)
            pending += size
            threads.append(
                Thread(
                    community=rng.choices(communities, weights=weights)[0],
                    title=text.title(lang),
                    author=rng.choice(users),
                    post_count=size,
                    created_at=at,
                    last_activity_at=at,
                )
            )
            bodies.append([(text.body(lang), rng.choice(users)) for _ in range(size)])
            thread_index += 1
        with transaction.atomic():
            Thread.objects.bulk_create(threads, batch_size=2000)
            posts = []
            for thread, thread_bodies in zip(threads, bodies, strict=True):
                for number, (body, author) in enumerate(thread_bodies, start=1):
                    at = thread.created_at + timedelta(minutes=37 * (number - 1))
                    posts.append(
                        Post(
                            thread=thread,
                            number=number,
                            author=author,
                            body=body,
                            html=f"<p>{escape(body)}</p>",
                            created_at=at,
                            deleted_at=at if rng.random() < 0.02 else None,
                        )
                    )
            Post.objects.bulk_create(posts, batch_size=2000)
        made += len(posts)
        if made % 100_000 < len(posts) or made == n_posts:
            rate = made / (time.perf_counter() - began)
            say(f"  loaded {made:>9,} posts in {thread_index:,} threads ({rate:,.0f} posts/s)")
    return searcher, staff, text


def set_triggers(enabled):
    from django.db import connection

    from forums.search.postgres import PostgresEngine
    from forums.search.sqlite import SQLiteEngine

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name, sql in SQLiteEngine.TRIGGERS.items():
                cursor.execute(sql if enabled else f"DROP TRIGGER IF EXISTS {name}")
        else:
            action = "ENABLE" if enabled else "DISABLE"
            for name in PostgresEngine.TRIGGERS:
                table = PostgresEngine._table(name)
                cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {name}")


def measure_writes(writes, text, searcher):
    from django.db import transaction

    from forums import search
    from forums.models import Post, Thread

    threads = list(Thread.objects.order_by("-id").values_list("id", "post_count")[:writes])
    numbers = dict(threads)
    timings = {True: [], False: []}
    rounds = 10
    per_round = max(1, writes // rounds)
    index = 0
    for round_ in range(rounds * 2):
        enabled = round_ % 2 == 0
        set_triggers(enabled)
        for _ in range(per_round):
            thread_id = threads[index % len(threads)][0]
            numbers[thread_id] += 1
            index += 1
            body = text.body(text.language())
            began = time.perf_counter()
            with transaction.atomic():
                Post.objects.create(
                    thread_id=thread_id,
                    number=numbers[thread_id],
                    author=searcher,
                    body=body,
                    html="<p></p>",
                )
            timings[enabled].append(time.perf_counter() - began)
    set_triggers(True)
    on, off = timings[True], timings[False]
    for label, values in (("on ", on), ("off", off)):
        say(
            f"  write, search triggers {label}: median {ms(statistics.median(values))}   "
            f"p99 {ms(percentile(values, 0.99))}   ({len(values)} inserts)"
        )
    say(
        f"  => indexing adds           median {ms(statistics.median(on) - statistics.median(off))}"
        f"   p99 {ms(percentile(on, 0.99) - percentile(off, 0.99))}"
    )
    # Searchable at once: the post is in the index when its transaction commits.
    first = Thread.objects.filter(community__visibility="public").order_by("-id").first()
    with transaction.atomic():
        post = Post.objects.create(
            thread=first,
            number=first.post_count + 10_000,
            author=searcher,
            body="Unmotdejamaisvu zorglub",
            html="",
        )
    began = time.perf_counter()
    hits = search.search(searcher, "unmotdejamaisvu zorglub")
    assert [hit.post_id for hit in hits] == [post.pk], hits
    say(f"  a new post is found by the next query (found in {ms(time.perf_counter() - began)})")


# Harder than the realistic mix: one small community (most matches of a common word
# are elsewhere) and two words that rarely meet (French and English), which fool
# PostgreSQL's estimates. Searched as staff, who may read every community.
HARD = [
    ("vélo", "c19"),
    ("vélo", "c15"),
    ("garantie", "c12"),
    ("battery", "c17"),
    ("vélo battery", None),
    ("bike vélo", None),
    ("frein battery", None),
    ("the vélo", None),
]


def timed(user, items, passes):
    from forums import search

    for q, community in items:  # warm-up
        search.search(user, q, community=community)
    samples, slowest, found = [], (0.0, ""), 0
    for _ in range(passes):
        for q, community in items:
            began = time.perf_counter()
            hits = search.search(user, q, community=community)
            elapsed = time.perf_counter() - began
            samples.append(elapsed)
            found += bool(hits)
            label = f"{q} in {community}" if community else q
            slowest = max(slowest, (elapsed, label))
    return (
        f"median {ms(statistics.median(samples))}   p99 {ms(percentile(samples, 0.99))}   "
        f"max {ms(max(samples))} ({slowest[1]!r})   "
        f"[{len(items)} queries x {passes}, {found} with hits]"
    )


def measure_queries(searcher, staff, text, passes, hard=True):
    from django.contrib.auth.models import AnonymousUser

    items = [(q, None) for q in queries(text)]
    for label, user in (
        ("member of 3 private", searcher),
        ("anonymous", AnonymousUser()),
        ("staff", staff),
    ):
        say(f"  query as {label:<20} {timed(user, items, passes)}")
    if hard:
        say(f"  hard cases (staff)         {timed(staff, HARD, passes)}")


def run_engine(args):
    workdir = Path(tempfile.mkdtemp(prefix="bench-search-"))
    configure(args.database, workdir)
    from django.core.management import call_command
    from django.db import connection

    from forums import search

    try:
        say(f"== {connection.vendor} ({connection.settings_dict['NAME']}), {args.posts:,} posts")
        began = time.perf_counter()
        call_command("migrate", verbosity=0)
        say(f"  migrated in {time.perf_counter() - began:.1f} s")
        search.uninstall(connection)
        began = time.perf_counter()
        searcher, staff, text = load(args.posts, args.seed)
        say(f"  loaded in {time.perf_counter() - began:.1f} s (search index off)")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        began = time.perf_counter()
        search.install(connection)
        build = time.perf_counter() - began
        say(f"  index build (migration 0002_search on {args.posts:,} posts): {build:.1f} s")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE forums_post")
                cursor.execute("VACUUM ANALYZE forums_thread")
                cursor.execute(
                    "SELECT pg_size_pretty(pg_relation_size('forums_post_search_vector')), "
                    "pg_size_pretty(pg_total_relation_size('forums_post_search')), "
                    "pg_size_pretty(pg_total_relation_size('forums_post'))"
                )
                index, side, posts = cursor.fetchone()
                say(
                    f"  GIN index {index}; forums_post_search with its indexes {side}; "
                    f"forums_post with its indexes {posts}"
                )
            else:
                cursor.execute("ANALYZE")
                cursor.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'forums_post_fts%%'")
                fts_size = cursor.fetchone()[0] or 0
                cursor.execute("PRAGMA page_count")
                pages = cursor.fetchone()[0]
                cursor.execute("PRAGMA page_size")
                size = pages * cursor.fetchone()[0]
                say(f"  FTS5 index {fts_size / 2**20:.0f} MB; database file {size / 2**20:.0f} MB")
        measure_queries(searcher, staff, text, args.passes)
        measure_writes(args.writes, text, searcher)
        measure_queries(searcher, staff, text, 1, hard=False)  # after writes: no degradation
    finally:
        connection.close()
        if args.database == "postgres" and not args.keep:
            drop_postgres()
        if args.keep and args.database == "sqlite":
            say(f"  kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if args.keep:
                say(f"  kept database {PG_DB}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--writes", type=int, default=500, help="inserts with and without")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.database != "both":
        run_engine(args)
        return
    for database in ("sqlite", "postgres"):
        command = [sys.executable, __file__, *sys.argv[1:], "--database", database]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()

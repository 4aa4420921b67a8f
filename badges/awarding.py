"""Awarding badges by their rules: a dry run, as things happen, and the backfill.

Each rule badge's template (``badges.rules``) is one SQL statement of who qualifies
and since when. Awarding inserts its rows into ``badges_award`` with
``INSERT ... SELECT ... ON CONFLICT (badge_id, user_id) DO NOTHING``: one statement
whatever the number of members, at the date each achieved it, and never twice (the
unique constraint decides between concurrent workers; the loser inserts nothing and
fails nothing).

- ``preview``: who would receive a badge and since when, writing nothing.
- ``evaluate``: award one badge now, to everyone or to some members; used after each
  domain event (``connect``) for the members of that event only, in a background
  task, each new award told at once (a notice, ``badge.awarded`` on the ``me``
  stream and in the activity ledger).
- ``backfill`` (``manage.py evaluate_badges``) and ``award_existing`` (a badge just
  enabled, see ``badges.actions``): every qualifying member, quietly. Per badge, one
  transaction with at most three statements: the awards, their ``badge.awarded``
  ledger entries (``"backfill": true``), written set-based; a run that dies leaves
  each badge either fully awarded or untouched, and running it again only adds what
  is missing. Then one summary notice per member for the whole run
  (``badges.notify.backfill_summary``): for a few members with their live event, as
  that function does; past ``LIVE_SUMMARIES`` members in one ``INSERT ... SELECT``
  of the same notices and no live events (a flood of them would help nobody: the
  notices are there at the next page).

Ledger entries written here in bulk are not delivered to activity receivers: a
backfill is not news.
"""

import logging
import time
from collections import defaultdict
from datetime import UTC

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from badges import catalogue, rules
from badges.models import Award, Badge, Notice
from badges.notify import backfill_summary, badge_awarded
from community import activity
from community.models import Activity, Membership, Profile, User

logger = logging.getLogger(__name__)

# A backfill that finds badges for at most this many members tells each one live.
LIVE_SUMMARIES = 100
PREVIEW_LIMIT = 50

Mode = Badge.Mode


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _aware(value):
    """A datetime column read by a raw cursor: text on SQLite, aware on PostgreSQL."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _db_datetime(value):
    return connection.ops.adapt_datetimefield_value(value)


# --- who qualifies ----------------------------------------------------------------------


def _qualifiers(badge, user_ids=None, *, new_only=True):
    """SQL and parameters: ``(user_id, achieved_at)`` of the members who qualify for
    ``badge`` (and with ``new_only``, do not hold it), one row each at their earliest
    date.

    Inserts leave holders to ``ON CONFLICT``: on PostgreSQL, a ``NOT EXISTS`` on the
    awards a backfill is filling, planned with statistics from before it (an empty
    table), can become a scan of the whole table for each row.
    """
    rule = rules.get(badge.rule)
    params = rules.validate_params(rule, badge.params)
    community = badge.community if badge.community_id else None
    queryset = rule.query(params, community, user_ids=user_ids)
    sql, sql_params = queryset.query.sql_with_params()
    held = ""
    if new_only:
        held = (
            f" AND NOT EXISTS (SELECT 1 FROM {_table(Award)} held "  # noqa: S608
            "WHERE held.badge_id = %s AND held.user_id = q.user_id)"
        )
        sql_params = [*sql_params, badge.pk]
    member = ""
    if community is not None:
        # A community's badge goes to its active members only: someone who left (or was
        # banned) is not told about a community they may no longer read.
        member = (
            f" AND EXISTS (SELECT 1 FROM {_table(Membership)} m "  # noqa: S608
            "WHERE m.community_id = %s AND m.user_id = q.user_id AND m.state = %s)"
        )
        sql_params = [*sql_params, community.pk, Membership.State.ACTIVE]
    return (
        f"SELECT q.user_id AS user_id, MIN(q.achieved_at) AS achieved_at FROM ({sql}) q "  # noqa: S608
        f"WHERE q.user_id IS NOT NULL{held}{member} GROUP BY q.user_id",
        list(sql_params),
    )


def preview(badge, *, limit=PREVIEW_LIMIT):
    """Who would receive ``badge`` now, and since when: ``{"count", "members": [{username,
    display_name, achieved_at}]}``, earliest first, at most ``limit`` members. Writes
    nothing; works for a disabled badge. One query."""
    sql, params = _qualifiers(badge)
    users, profiles = _table(User), _table(Profile)
    query = (
        "SELECT w.achieved_at, u.username, p.display_name, COUNT(*) OVER () "  # noqa: S608
        f"FROM ({sql}) w JOIN {users} u ON u.id = w.user_id "
        f"LEFT JOIN {profiles} p ON p.user_id = w.user_id "
        "ORDER BY w.achieved_at, w.user_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, limit])
        rows = cursor.fetchall()
    return {
        "count": rows[0][3] if rows else 0,
        "members": [
            {
                "username": username,
                "display_name": display_name or username,
                "achieved_at": _aware(achieved_at),
            }
            for achieved_at, username, display_name, _count in rows
        ],
    }


# --- writing awards ---------------------------------------------------------------------


def _insert_awards(badge, at, user_ids=None, returning=False):
    """Award ``badge`` to whoever qualifies (among ``user_ids``): one statement. Returns
    the number of awards made, or with ``returning`` their ``(id, user_id, awarded_at)``."""
    sql, params = _qualifiers(badge, user_ids, new_only=False)
    query = (
        f"INSERT INTO {_table(Award)} (badge_id, user_id, awarded_at, reason, hidden, created_at) "  # noqa: S608
        f"SELECT %s, w.user_id, w.achieved_at, '', false, %s FROM ({sql}) w "
        # SQLite: an INSERT ... SELECT with an upsert clause needs a WHERE (parsing).
        "WHERE true ON CONFLICT (badge_id, user_id) DO NOTHING"
        + (" RETURNING id, user_id, awarded_at" if returning else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [badge.pk, _db_datetime(at), *params])
        if returning:
            return [(pk, user_id, _aware(awarded_at)) for pk, user_id, awarded_at in cursor]
        return cursor.rowcount


def _iso_sql(column):
    """SQL of ``column``'s ISO 8601 text as Python writes it (``datetime.isoformat``)."""
    if connection.vendor == "postgresql":
        utc = f"({column} AT TIME ZONE 'UTC')"
        return (
            f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
            f"EXTRACT(MICROSECONDS FROM {column})::bigint %% 1000000 = 0 THEN '' "
            f"ELSE to_char({utc}, '.US') END || '+00:00'"
        )
    # Django keeps SQLite datetimes as UTC text: "2026-01-31 23:59:59[.ffffff]".
    return f"replace({column}, ' ', 'T') || '+00:00'"


def _record_awarded(badge, at):
    """One ``badge.awarded`` ledger entry for each award of ``badge`` made at ``at``, in
    one statement (as ``activity.record`` would write them, marked ``backfill``)."""
    if connection.vendor == "postgresql":
        data = f"jsonb_build_object('badge', %s::text, 'awarded_at', {_iso_sql('a.awarded_at')}, 'backfill', true)"  # noqa: E501
    else:
        data = f"json_object('badge', %s, 'awarded_at', {_iso_sql('a.awarded_at')}, 'backfill', json('true'))"  # noqa: E501
    query = (
        f"INSERT INTO {_table(Activity)} "  # noqa: S608
        "(created_at, verb, actor_id, community_id, target_user_id, object_type, object_id, data) "
        f"SELECT %s, 'badge.awarded', NULL, %s, a.user_id, %s, a.id, {data} "
        f"FROM {_table(Award)} a WHERE a.badge_id = %s AND a.created_at = %s"
    )
    stamp = _db_datetime(at)
    with connection.cursor() as cursor:
        cursor.execute(
            query,
            [stamp, badge.community_id, Award._meta.model_name, badge.slug, badge.pk, stamp],
        )


def _award(badge, pk, user_id, awarded_at, at):
    award = Award(
        id=pk, badge=badge, user_id=user_id, awarded_at=awarded_at, reason="", created_at=at
    )
    award._state.adding = False
    award._state.db = "default"
    return award


def evaluate(badge, *, user_ids=None, notify=True, held=None):
    """Award the rule badge ``badge`` to the qualifying members who lack it (among
    ``user_ids`` if given), each at the date they achieved it. Returns how many.

    ``notify``: each new award gets its notice and live event
    (``badges.notify.badge_awarded``) and its ``badge.awarded`` ledger entry, as it
    happens; without, the entries are written in one statement and nobody is told.
    ``held``: the ids among ``user_ids`` known to hold it already (saves a query).
    Safe under concurrency: two workers evaluating the same members award once.
    """
    if badge.mode != Mode.RULE or not badge.rule:
        raise ValueError(f"Badge {badge.slug!r} is not awarded by a rule.")
    if user_ids is not None:
        user_ids = {int(pk) for pk in user_ids if pk is not None}
        if held is None:
            held = Award.objects.filter(badge=badge, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        user_ids = sorted(user_ids - set(held))
        if not user_ids:
            return 0
        # Most events qualify nobody: look first, outside a transaction, so that the
        # common case takes no write lock (SQLite has one for the whole database).
        sql, params = _qualifiers(badge, user_ids, new_only=False)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM ({sql}) w LIMIT 1", params)  # noqa: S608
            if cursor.fetchone() is None:
                return 0
    at = timezone.now()
    with transaction.atomic():
        if not notify:
            made = _insert_awards(badge, at, user_ids)
            if made:
                _record_awarded(badge, at)
            return made
        rows = _insert_awards(badge, at, user_ids, returning=True)
        for pk, user_id, awarded_at in rows:
            award = _award(badge, pk, user_id, awarded_at, at)
            badge_awarded(award)
            activity.record(
                "badge.awarded",
                community=badge.community if badge.community_id else None,
                target_user=user_id,
                obj=award,
                badge=badge.slug,
                awarded_at=awarded_at.isoformat(),
            )
    return len(rows)


def rule_badges(*, community=None):
    """The enabled rule badges, of ``community`` only if given, in creation order.

    A badge whose template is no longer registered is left out (and logged): the
    others are still awarded.
    """
    badges = Badge.objects.filter(enabled=True, mode=Mode.RULE).select_related("community")
    if community is not None:
        badges = badges.filter(community=community)
    known = {rule.key for rule in rules.all()}
    found = []
    for badge in badges.order_by("pk"):
        if badge.rule in known:
            found.append(badge)
        else:
            logger.warning("Badge %s: no rule template %r, not awarded.", badge.slug, badge.rule)
    return found


def backfill(*, community=None, dry_run=False, badges=None, on_badge=None):
    """Award every enabled rule badge (of ``community``, or ``badges`` if given) to all
    who qualify, at their real dates, then one summary notice per member.

    Returns ``{"badges": {slug: new awards}, "members": members concerned}``; with
    ``dry_run``, what it would award, writing nothing. ``on_badge(badge, count,
    seconds)`` is called after each badge (progress, timings). Each badge is one transaction of
    at most three statements (``_insert_awards``, ``_record_awarded``): a badge whose
    template fails is rolled back whole and the error raised, after the summaries of
    the badges awarded before it are sent.
    """
    selected = rule_badges(community=community) if badges is None else list(badges)
    if dry_run:
        return _dry_run(selected, on_badge)
    at = timezone.now()
    result = {"badges": {}, "members": 0}
    done = []
    try:
        for badge in selected:
            started = time.perf_counter()
            with transaction.atomic():
                made = _insert_awards(badge, at)
                if made:
                    _record_awarded(badge, at)
            result["badges"][badge.slug] = made
            if made:
                done.append(badge)
            if on_badge is not None:
                on_badge(badge, made, time.perf_counter() - started)
    finally:
        if done:
            result["members"] = _summaries(done, at)
    return result


def award_existing(badge):
    """Award a rule badge just enabled to everyone who already qualifies, quietly: as a
    backfill does (their real dates, one summary notice per member). ``badges.actions``
    runs it in a background task once the badge is enabled. Returns how many."""
    return backfill(badges=[badge])["badges"].get(badge.slug, 0)


def _dry_run(selected, on_badge):
    counts, members = {}, set()
    for badge in selected:
        started = time.perf_counter()
        sql, params = _qualifiers(badge)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT w.user_id FROM ({sql}) w", params)  # noqa: S608
            found = [user_id for (user_id,) in cursor]
        counts[badge.slug] = len(found)
        members.update(found)
        if on_badge is not None:
            on_badge(badge, len(found), time.perf_counter() - started)
    return {"badges": counts, "members": len(members)}


def _summaries(badges, at):
    """One summary notice per member for the awards of ``badges`` made at ``at``; returns
    how many members. Live events too when they are few (``LIVE_SUMMARIES``)."""
    by_id = {badge.pk: badge for badge in badges}
    awards = _table(Award)
    made = f"a.created_at = %s AND a.badge_id IN ({', '.join(['%s'] * len(by_id))})"
    params = [_db_datetime(at), *by_id]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT a.user_id) FROM {awards} a WHERE {made}", params)  # noqa: S608
        (members,) = cursor.fetchone()
        if members > LIVE_SUMMARIES:
            _bulk_summaries(cursor, made, params, at)
            return members
        cursor.execute(
            f"SELECT a.id, a.user_id, a.badge_id, a.awarded_at FROM {awards} a "  # noqa: S608
            f"WHERE {made} ORDER BY a.id",
            params,
        )
        rows = cursor.fetchall()
    found = defaultdict(list)
    for pk, user_id, badge_id, awarded_at in rows:
        found[user_id].append(_award(by_id[badge_id], pk, user_id, _aware(awarded_at), at))
    with transaction.atomic():
        for user_id, held in found.items():
            backfill_summary(user_id, held)
    return members


def _bulk_summaries(cursor, made, params, at):
    """The notices ``badges.notify.backfill_summary`` writes, for many members at once:
    ``{"badges": [slugs, earliest first], "count"}``, in one statement (no live event)."""
    awards, badges = _table(Award), _table(Badge)
    if connection.vendor == "postgresql":
        select = (
            "SELECT a.user_id, %s, NULL, NULL, jsonb_build_object('badges', "  # noqa: S608
            "jsonb_agg(b.slug ORDER BY a.awarded_at, a.id), 'count', COUNT(*)), %s, NULL "
            f"FROM {awards} a JOIN {badges} b ON b.id = a.badge_id WHERE {made} "
            "GROUP BY a.user_id"
        )
    else:
        # SQLite aggregates rows in the order they come: sort them first.
        select = (
            "SELECT s.user_id, %s, NULL, NULL, json_object('badges', json_group_array(s.slug), "  # noqa: S608
            "'count', COUNT(*)), %s, NULL FROM (SELECT a.user_id AS user_id, b.slug AS slug "
            f"FROM {awards} a JOIN {badges} b ON b.id = a.badge_id WHERE {made} "
            "ORDER BY a.user_id, a.awarded_at, a.id) s GROUP BY s.user_id"
        )
    cursor.execute(
        f"INSERT INTO {_table(Notice)} "
        f"(user_id, kind, community_id, badge_id, data, created_at, read_at) {select}",
        [Notice.Kind.SUMMARY.value, _db_datetime(at), *params],
    )


# --- as things happen -------------------------------------------------------------------


def on_activity(entry):
    """After a verb some template listens to: evaluate the enabled rule badges of those
    templates, of the entry's community and site-wide, for its actor and target member
    only. Runs in a background task (``connect``)."""
    keys = rules.for_verb(entry.verb)
    user_ids = sorted({pk for pk in (entry.actor_id, entry.target_user_id) if pk})
    if not keys or not user_ids:
        return 0
    # Most events concern no enabled badge: the cached catalogue says so without a query.
    concerned = [
        row["id"]
        for row in catalogue.badges().values()
        if row["enabled"]
        and row["mode"] == Mode.RULE
        and row["rule"] in keys
        and row["community_id"] in (None, entry.community_id)
    ]
    if not concerned:
        return 0
    badges = list(Badge.objects.filter(pk__in=concerned).select_related("community").order_by("pk"))
    if not badges:
        return 0
    # What the members hold already, for all those badges at once: a member who holds
    # them all costs nothing more.
    held = defaultdict(set)
    for badge_id, user_id in Award.objects.filter(
        badge__in=badges, user_id__in=user_ids
    ).values_list("badge_id", "user_id"):
        held[badge_id].add(user_id)
    return sum(
        evaluate(badge, user_ids=user_ids, held=held[badge.pk])
        for badge in badges
        if set(user_ids) - held[badge.pk]
    )


def connect():
    """Listen to every verb after which a member may newly qualify for some template."""
    activity.connect(rules.verbs(), on_activity, background=True)

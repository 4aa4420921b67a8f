"""The KPI report of a scope over a period: every figure of ``docs/kpis.md``, JSON-ready.

``build`` reads the ledger a bounded number of times whatever the size of the history,
the number of buckets or of communities: the membership timeline (two queries), the day
table (one), the members' interaction counts (one), the counted verbs (one), and the
sections' own queries (``support``, ``sections``, ``cohorts``). Every bucket of every
series, the previous period and the goals are then sums over what those returned.
"""

from datetime import UTC, timedelta

from django.utils import timezone

from community.kpis import cohorts, definitions, engagement, ledger, sections, support
from community.kpis import goals as goal_rules
from community.kpis import members as membership
from community.kpis.period import Bucket

SUPPORT_KEYS = (
    "first_response_median_seconds",
    "first_response_p90_seconds",
    "answered_within_target_share",
    "solved_share",
    "questions_asked",
)
SERIES_KEYS = (
    "interactions",
    "interaction_rate",
    "people_talking_about_this",
    "members_total",
    "new_members",
    "active_members",
    *SUPPORT_KEYS,
)


def whole(period):
    """The range as one bucket (for the figures ``support.series`` computes per bucket)."""
    return Bucket(period.start.isoformat(), period.start, period.end, period.since, period.until)


class _Figures:
    """What the report's figures are sums over: loaded once, then asked per bucket."""

    def __init__(self, scope, period):
        self.scope, self.period = scope, period
        self.last = engagement.last_day(period)
        self.previous = period.previous()
        self.previous_last = engagement.last_day(self.previous)
        anchor = self.last or period.start
        # The day table reaches back 7 days before the range (its first day's people talking
        # about it) and 30 days before the last day (MAU); the previous period's few
        # figures come from one aggregate query of their own (``engagement.window``).
        first = min(period.start - timedelta(days=6), anchor - timedelta(days=29))
        self.table = engagement.DayTable(scope, first, period.cutoff, period.tz)
        self.timeline = membership.Timeline(scope, self.previous.since, period.cutoff)
        # The questions of the range and of the previous one, read once for every use.
        self.asked = support.Asked(scope, self.previous.since, period.cutoff)
        self._series = {}

    def series(self, granularity):
        """The series points of ``granularity`` over the range (cached)."""
        if granularity not in self._series:
            buckets = self.period.buckets(granularity)
            questions = support.series(self.scope, buckets, now=self.period.now, asked=self.asked)
            self._series[granularity] = [
                self._point(bucket, questions.get(bucket.label, {})) for bucket in buckets
            ]
        return self._series[granularity]

    def _point(self, bucket, questions):
        point = {"period": bucket.label, "start": bucket.start.isoformat()}
        point["end"] = bucket.end.isoformat()
        if self.last is None or bucket.start > self.last:
            return {**point, **dict.fromkeys(SERIES_KEYS)}  # not begun: nothing to say yet
        last = min(bucket.end, self.last)
        cutoff = min(bucket.until, self.period.now)
        interactions, _by_kind = self.table.interactions(bucket.start, last)
        total = self.timeline.total_at(cutoff)
        return {
            **point,
            "interactions": interactions,
            "interaction_rate": ledger.share(interactions, total),
            "people_talking_about_this": engagement.talking(self.table, last),
            "members_total": total,
            "new_members": self.timeline.new_between(bucket.since, cutoff),
            "active_members": self.table.distinct(bucket.start, last),
            **{key: questions.get(key) for key in SUPPORT_KEYS},
        }

    def previous_block(self):
        previous, last = self.previous, self.previous_last
        total = self.timeline.total_at(previous.cutoff)
        window = engagement.window(self.scope, previous, last)
        questions = support.series(
            self.scope, [whole(previous)], now=self.period.now, asked=self.asked
        )
        questions = questions.get(previous.start.isoformat(), {})
        return {
            "interactions": window["interactions"],
            "interaction_rate": ledger.share(window["interactions"], total),
            "people_talking_about_this": window["people_talking_about_this"],
            "members_total": total,
            "active_members": window["active_members"],
            "new_members": self.timeline.new_between(previous.since, previous.cutoff),
            "first_response_median_seconds": questions.get("first_response_median_seconds"),
            "answered_within_target_share": questions.get("answered_within_target_share"),
            "solved_share": questions.get("solved_share"),
        }

    def communities(self):
        """The headline of each community of the scope, side by side."""
        period = self.period
        counts = engagement.by_community(self.scope, period, self.last)
        members = self.timeline.by_community()
        questions = support.by_community(self.scope, period, asked=self.asked)
        rows = []
        for community in self.scope.communities:
            found = counts.get(community.pk, {})
            total = members.get(community.pk, 0)
            interactions = found.get("interactions", 0)
            asked = questions[community.pk]
            rows.append(
                {
                    "slug": community.slug,
                    "name": community.name,
                    "members_total": total,
                    "active_members": found.get("active_members", 0),
                    "interactions": interactions,
                    "interaction_rate": ledger.share(interactions, total),
                    "people_talking_about_this": found.get("people_talking_about_this", 0),
                    "questions_asked": asked["asked"],
                    "first_response_median_seconds": asked["first_response_median_seconds"],
                    "answered_within_target_share": asked["answered_within_target_share"],
                    "solved_share": asked["solved_share"],
                }
            )
        return rows


def build(scope, period, *, goals=True, communities=False):
    """The report of ``scope`` over ``period`` (see ``docs/kpis.md`` for each figure).

    ``goals``: judge the scope's goals (series of other granularities are computed for
    them); ``communities``: add each community's headline figures.
    """
    figures = _Figures(scope, period)
    table, timeline, last = figures.table, figures.timeline, figures.last
    since, cutoff = period.since, period.cutoff
    if last is not None:
        total, by_kind = table.interactions(period.start, last)
    else:
        total, by_kind = 0, dict.fromkeys(engagement.KINDS, 0)
    members = {**membership.block(timeline, period), **engagement.activity(table, period)}
    counts = engagement.actor_counts(scope, since, cutoff)
    ranked = engagement.ranking(counts, timeline.people)
    report = {
        "definitions_version": definitions.VERSION,
        "generated_at": timezone.now().astimezone(UTC).isoformat(),
        "range": period.as_dict(),
        "scope": scope.as_dict(),
        "members": members,
        "interactions": {"total": total, "by_kind": by_kind},
        "counted": engagement.counted(scope, since, cutoff),
        "interaction_rate": ledger.share(total, members["total"]),
        "people_talking_about_this": engagement.talking(table, last),
        "posts_per_active_member": engagement.posts_per_active_member(by_kind, members["active"]),
        "participation": engagement.participation(ranked),
        "questions": support.questions(scope, period, asked=figures.asked),
        "ideas": sections.ideas(scope, period),
        "content": sections.content(scope, period),
        "moderation": sections.moderation(scope, period),
        "social": sections.social(scope, period),
        "retention": cohorts.retention(scope, period),
        "engaged_profile": cohorts.engaged_profile(
            scope, period, timeline, cohorts.engaged(ranked)
        ),
        "top_contributors": engagement.top_contributors(ranked),
        "previous": figures.previous_block(),
        "goals": [],
        "series": figures.series(period.granularity),
    }
    if goals:
        report["goals"] = goal_rules.evaluate(
            goal_rules.for_scope(scope, period), figures.series, last
        )
    if communities:
        report["communities"] = figures.communities()
    return report

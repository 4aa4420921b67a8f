"""What the dashboard shows of a report: headline cards and chart specifications.

A chart and its data table for screen readers are made from the same specification
(``charts``): the template writes the table, ``static/js/kpis.js`` draws the chart
from the specification passed through ``json_script``. Numbers are formatted here,
once, in the site's language (``django.utils.formats``).
"""

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.kpis.definitions import GOALS, GRANULARITY_LABELS

KIND_LABELS = {
    "threads": gettext_lazy("New threads"),
    "replies": gettext_lazy("Replies"),
    "reactions": gettext_lazy("Reactions"),
    "idea_votes": gettext_lazy("Idea votes"),
    "poll_answers": gettext_lazy("Poll answers"),
    "endorsements": gettext_lazy("Endorsements"),
}


def number(value, unit="count"):
    """A figure as people read it: "—" when it has no value, 92 % for a share."""
    if value is None:
        return "—"
    if unit == "share":
        return f"{formats.number_format(round(value * 100, 1), decimal_pos=None)} %"
    if unit == "seconds":
        return duration(value)
    if unit == "ratio":
        return formats.number_format(round(value, 2), decimal_pos=2)
    if isinstance(value, float) and not value.is_integer():
        return formats.number_format(round(value, 2), decimal_pos=2)
    return formats.number_format(int(value), use_l10n=True, force_grouping=True)


def duration(seconds):
    seconds = round(seconds)
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%(d)d days %(h)d h") % {"d": hours // 24, "h": hours % 24}


# key, label, unit, how to read the value, how to read the previous one, goal KPI
HEADLINES = [
    (
        "interaction_rate",
        gettext_lazy("Interaction rate"),
        "ratio",
        lambda r: r["interaction_rate"],
        "interaction_rate",
        "interaction_rate",
    ),
    (
        "people_talking_about_this",
        gettext_lazy("People talking about it (7 days)"),
        "count",
        lambda r: r["people_talking_about_this"],
        "people_talking_about_this",
        "people_talking_about_this",
    ),
    (
        "interactions",
        gettext_lazy("Interactions"),
        "count",
        lambda r: r["interactions"]["total"],
        "interactions",
        "interactions",
    ),
    (
        "active_members",
        gettext_lazy("Active members"),
        "count",
        lambda r: r["members"]["active"],
        "active_members",
        "active_members",
    ),
    (
        "members_total",
        gettext_lazy("Members"),
        "count",
        lambda r: r["members"]["total"],
        "members_total",
        None,
    ),
    (
        "new_members",
        gettext_lazy("New members"),
        "count",
        lambda r: r["members"]["new"],
        "new_members",
        "new_members",
    ),
    (
        "first_response_median_seconds",
        gettext_lazy("First response, median"),
        "seconds",
        lambda r: r["questions"]["first_response_median_seconds"],
        "first_response_median_seconds",
        "first_response_median_seconds",
    ),
    (
        "first_response_p90_seconds",
        gettext_lazy("First response, 90th percentile"),
        "seconds",
        lambda r: r["questions"]["first_response_p90_seconds"],
        None,
        "first_response_p90_seconds",
    ),
    (
        "answered_within_target_share",
        gettext_lazy("Answered within target"),
        "share",
        lambda r: r["questions"]["answered_within_target_share"],
        "answered_within_target_share",
        "answered_within_target_share",
    ),
    (
        "solved_share",
        gettext_lazy("Questions solved"),
        "share",
        lambda r: r["questions"]["solved_share"],
        "solved_share",
        "solved_share",
    ),
    (
        "waiting",
        gettext_lazy("Questions waiting"),
        "count",
        lambda r: r["questions"]["waiting"],
        None,
        None,
    ),
]


def headlines(report):
    """The headline cards: value, previous period's value, goals with their latest verdict."""
    goals = {}
    for goal in report.get("goals") or []:
        goals.setdefault(goal["kpi"], []).append(goal)
    previous = report.get("previous") or {}
    cards = []
    for key, label, unit, read, previous_key, goal_key in HEADLINES:
        value = read(report)
        card = {
            "key": key,
            "label": label,
            "value": value,
            "shown": number(value, unit),
            "has_previous": previous_key is not None,
            "previous": number(previous.get(previous_key), unit) if previous_key else None,
            "trend": _trend(value, previous.get(previous_key) if previous_key else None),
            "goals": [],
        }
        for goal in goals.get(goal_key, []):
            latest = goal.get("latest") or {}
            card["goals"].append(
                {
                    "target": number(goal["target"], unit),
                    "granularity": goal["granularity"],
                    "granularity_label": GRANULARITY_LABELS.get(goal["granularity"]),
                    "direction": goal["direction"],
                    "latest_label": latest.get("label"),
                    "latest": number(latest.get("value"), unit) if latest else None,
                    "met": latest.get("met") if latest else None,
                    "trend": goal.get("trend"),
                }
            )
        cards.append(card)
    return cards


def _trend(value, before):
    if value is None or before is None:
        return None
    return "up" if value > before else "down" if value < before else "flat"


def _minutes(seconds):
    return None if seconds is None else round(seconds / 60, 1)


def charts(report):
    """The charts' specifications: id, kind (line or bar), title, summary, labels, datasets."""
    series = report.get("series") or []
    labels = [point["period"] for point in series]
    result = [
        {
            "id": "chart-interactions",
            "kind": "line",
            "title": _("Interactions and people talking about it"),
            "unit": "count",
            "labels": labels,
            "datasets": [
                {"label": _("Interactions"), "values": [p["interactions"] for p in series]},
                {
                    "label": _("People talking about it (7 days)"),
                    "values": [p["people_talking_about_this"] for p in series],
                },
            ],
        },
        {
            "id": "chart-response",
            "kind": "line",
            "title": _("First response (minutes)"),
            "unit": "minutes",
            "labels": labels,
            "datasets": [
                {
                    "label": _("Median"),
                    "values": [_minutes(p["first_response_median_seconds"]) for p in series],
                },
                {
                    "label": _("90th percentile"),
                    "values": [_minutes(p["first_response_p90_seconds"]) for p in series],
                },
            ],
        },
        {
            "id": "chart-kinds",
            "kind": "bar",
            "title": _("Interactions by kind"),
            "unit": "count",
            "labels": [str(KIND_LABELS.get(k, k)) for k in report["interactions"]["by_kind"]],
            "datasets": [
                {
                    "label": _("Interactions"),
                    "values": list(report["interactions"]["by_kind"].values()),
                }
            ],
        },
    ]
    side = report.get("communities") or []
    if len(side) > 1:
        result.append(
            {
                "id": "chart-communities",
                "kind": "bar",
                "title": _("Communities side by side"),
                "unit": "count",
                "labels": [c["name"] for c in side],
                "datasets": [
                    {"label": _("Interactions"), "values": [c["interactions"] for c in side]},
                    {"label": _("Active members"), "values": [c["active_members"] for c in side]},
                    {
                        "label": _("People talking about it (7 days)"),
                        "values": [c["people_talking_about_this"] for c in side],
                    },
                ],
            }
        )
    for chart in result:
        chart["summary"] = _summary(chart)
        chart["rows"] = [
            [label, *[number(d["values"][i]) for d in chart["datasets"]]]
            for i, label in enumerate(chart["labels"])
        ]
    return result


def _summary(chart):
    """What the chart shows, in one sentence (the canvas's accessible name)."""
    parts = []
    for dataset in chart["datasets"]:
        values = [v for v in dataset["values"] if v is not None]
        if values:
            parts.append(
                _("%(label)s: from %(low)s to %(high)s, %(last)s last")
                % {
                    "label": dataset["label"],
                    "low": number(min(values)),
                    "high": number(max(values)),
                    "last": number(values[-1]),
                }
            )
        else:
            parts.append(_("%(label)s: no value") % {"label": dataset["label"]})
    return f"{chart['title']}. " + "; ".join(parts) + "."


def goal_units():
    """KPI key -> unit, for the goals page."""
    return {key: spec[1] for key, spec in GOALS.items()}


def goal_tables(report):
    """Each goal with its periods' values formatted in the KPI's unit."""
    result = []
    for goal in report.get("goals") or []:
        unit = goal.get("unit") or GOALS.get(goal["kpi"], ("", "count"))[1]
        result.append(
            {
                **goal,
                "target_shown": number(goal["target"], unit),
                "rows": [
                    {**row, "shown": number(row.get("value"), unit)}
                    for row in goal.get("periods") or []
                ],
            }
        )
    return result

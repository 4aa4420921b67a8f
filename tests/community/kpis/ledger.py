"""Every KPI verb, through the actions (for tests/test_domain_events.py)."""

import io
from datetime import date

from django.core.management import call_command

from community.kpis import actions


def every_kpi_action(staff, make_user, club):
    """Set a goal, change it, remove it, and export the club's figures."""
    goal = actions.set_goal(staff, club, "interaction_rate", "month", 0.5, date(2026, 1, 1))
    actions.set_goal(staff, club, "interaction_rate", "month", 0.8, date(2026, 1, 1))
    actions.remove_goal(staff, goal)
    call_command(
        "export_kpis",
        "--format",
        "json",
        "--community",
        club.slug,
        "--output",
        "-",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )  # kpis.exported

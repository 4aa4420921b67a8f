"""The KPI dashboard in a real browser: a manager reads the figures of their community
against a goal, the charts and their tables, changes the range, sets a goal, and
downloads a CSV export through its signed link. Each test has its own community
(``world``), so none depends on another's goals or exports."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.world import person

pytestmark = pytest.mark.e2e


def open_dashboard(page, world):
    page.goto("/")
    page.get_by_role("link", name="Figures", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Figures")
    return page


def test_a_manager_reads_figures_charts_and_tables(new_context, daphne_server, world):
    page = person(new_context, daphne_server, world, "manager")
    open_dashboard(page, world)
    # Headline figures: the world's threads, replies and reactions are today's.
    card = page.locator('[data-kpi="interactions"]')
    expect(card).to_be_visible()
    expect(card.locator("[data-value]")).to_have_text(re.compile(r"^[1-9]\d*$"))
    expect(page.locator('[data-kpi="members_total"] [data-value]')).to_have_text(
        re.compile(r"^[1-9]\d*$")
    )
    expect(page.locator('[data-kpi="interaction_rate"]')).to_contain_text("Previous period:")
    # Every chart is drawn (a canvas with a size) and has its table one click away.
    charts = page.locator("figure.kpi-chart")
    expect(charts).to_have_count(3)
    for index in range(3):
        chart = charts.nth(index)
        canvas = chart.locator("canvas")
        expect(canvas).to_have_attribute("data-drawn", "1")
        box = canvas.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50
        assert canvas.get_attribute("aria-label")
        chart.locator("summary").click()
        table = chart.get_by_role("table")
        expect(table).to_be_visible()
        expect(table.locator("caption")).not_to_be_empty()


def test_a_manager_sets_a_goal_sees_it_and_changes_the_range(new_context, daphne_server, world):
    page = person(new_context, daphne_server, world, "manager")
    open_dashboard(page, world)
    page.get_by_role("link", name="Goals", exact=True).click()
    page.get_by_label(re.compile(r"^KPI\b")).select_option(label="Interactions")
    page.get_by_label(re.compile(r"^Per\b")).select_option("day")
    page.get_by_label(re.compile(r"^Target\b")).fill("-3")
    page.get_by_role("button", name="Save the goal").click()
    expect(page.get_by_text("The target cannot be negative.")).to_be_visible()
    page.get_by_label(re.compile(r"^Target\b")).fill("2")
    page.get_by_role("button", name="Save the goal").click()
    expect(page.get_by_text("The goal was saved.")).to_be_visible()
    expect(page.locator("[data-goal-row]")).to_contain_text("Interactions")

    page.get_by_role("link", name="Figures", exact=True).first.click()
    goal = page.locator('[data-kpi="interactions"] [data-goal]')
    expect(goal).to_be_visible()
    expect(goal).to_contain_text("Goal: 2 per day")
    expect(goal).to_have_class(re.compile(r"\bkpi-goal-met\b"))
    # The range: a preset, then two dates and a granularity by hand.
    page.get_by_role("link", name="Last 90 days").click()
    expect(page.get_by_label("By", exact=True)).to_have_value("week")
    page.get_by_label("From", exact=True).fill("2026-01-05")
    page.get_by_label("To", exact=True).fill("2026-01-18")
    page.get_by_label("By", exact=True).select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".kpi-head .meta")).to_contain_text("by week")
    first = page.locator("figure.kpi-chart").first
    first.locator("summary").click()
    expect(first.locator("tbody tr")).to_have_count(2)  # two weeks
    expect(page.locator('[data-kpi="interactions"] [data-value]')).to_have_text("0")


def test_a_manager_exports_a_csv_and_downloads_it(new_context, daphne_server, world):
    page = person(new_context, daphne_server, world, "manager")
    open_dashboard(page, world)
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Start the export").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Export")
    expect(page.locator("progress")).to_have_attribute("value", "100")
    link = page.get_by_role("link", name=re.compile(r"^Download "))
    expect(link).to_be_visible()
    with page.expect_download() as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename.endswith(".csv")
    body = open(download.path(), "rb").read()  # noqa: SIM115
    assert body.startswith(b"\xef\xbb\xbf") and b"interaction_rate" in body
    # Someone else following the same link gets nothing.
    other = person(new_context, daphne_server, world, "other")
    response = other.goto(link.get_attribute("href"))
    assert response.status == 404


def test_a_member_has_no_figures(new_context, daphne_server, world):
    page = person(new_context, daphne_server, world, "member")
    page.goto("/")
    expect(page.get_by_role("link", name="Figures", exact=True)).to_have_count(0)
    response = page.goto("/kpis/")
    assert response.status == 403

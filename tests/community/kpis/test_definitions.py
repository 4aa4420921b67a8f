"""The KPIs name the ledger's verbs by string: each name must be declared by its app."""

from community import activity
from community.kpis import definitions


def test_every_verb_the_kpis_count_is_declared():
    declared = activity.verbs()
    assert sorted(definitions.named_verbs() - set(declared)) == []


def test_every_goal_kpi_is_a_series_key():
    from community.kpis.report import SERIES_KEYS

    assert set(definitions.GOALS) <= set(SERIES_KEYS)

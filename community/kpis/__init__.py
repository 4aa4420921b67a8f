"""Engagement KPIs: figures read from the activity ledger, against the brand's goals.

The KPIs import none of the apps that write the ledger: they know the verbs by
name (``definitions``), and what the ledger does not say (a community's
first-response target and business hours, the title of a page) comes through
the registry (``registry``) that those apps fill from their ``AppConfig.ready()``.

- ``definitions``: the definitions version, the verbs each figure counts, the KPIs
  a goal may target;
- ``period`` and ``scope``: the range asked for (dates, granularity, its buckets) and
  the communities it covers, with who may see them;
- ``report``: the figures, as the API answers them; ``exports``: CSV, XLSX and JSON;
- ``models``: goals and export jobs.

``docs/kpis.md`` defines every figure.
"""

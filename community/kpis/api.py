"""The KPI endpoints of the API (``/api/v1/``), mounted by the site."""

from ninja import Router

router = Router(tags=["kpis"])

"""The KPI dashboard's pages (``community.kpis.views``) and export downloads."""

from django.urls import path  # noqa: F401  (the dashboard fills urlpatterns)

app_name = "kpis"

urlpatterns: list = [
    # Filled by the dashboard: path("", views.dashboard, name="dashboard"), ...
]

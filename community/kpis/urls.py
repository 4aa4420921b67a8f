"""The KPI dashboard's pages (``community.kpis.views``) and export downloads."""

from django.urls import path

from community.kpis import views

app_name = "kpis"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("goals/", views.goals, name="goals"),
    path("goals/<int:goal_id>/remove/", views.goal_remove, name="goal_remove"),
    path("exports/", views.export_start, name="export_start"),
    path("exports/<uuid:job_id>/", views.export_page, name="export"),
    path("exports/<uuid:job_id>/status", views.export_status, name="export_status"),
    path("exports/download/<str:token>/", views.download, name="download"),
]

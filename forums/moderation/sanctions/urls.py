from django.urls import path

from forums.moderation.sanctions import views

urlpatterns = [
    path(
        "c/<slug:slug>/moderation/members/<str:username>/",
        views.member_sanctions,
        name="moderation_member",
    ),
    path("c/<slug:slug>/moderation/audit/", views.audit_page, name="moderation_audit"),
    path("c/<slug:slug>/moderation/audit.csv", views.audit_csv, name="moderation_audit_csv"),
    path("settings/notices/", views.notices_page, name="moderation_notices"),
]

"""The badges app's pages (mounted at the site's root by community/site/urls.py)."""

from django.urls import path

from badges import manage_views, views

urlpatterns = [
    path("badges/", views.catalogue, name="badge_catalogue"),
    path("badges/manage/", manage_views.manage, name="site_badges_manage"),
    path("badges/new/", manage_views.badge_new, name="site_badge_new"),
    path("badges/<slug:badge>/manage/", manage_views.badge_manage, name="badge_manage"),
    path("c/<slug:slug>/leaderboard/", views.community_leaderboard, name="leaderboard"),
    path("c/<slug:slug>/ambassadors/", views.ambassadors, name="ambassadors"),
    path("c/<slug:slug>/badges/manage/", manage_views.manage, name="badges_manage"),
    path("c/<slug:slug>/badges/new/", manage_views.badge_new, name="badge_new"),
    path("me/achievements/", views.achievements, name="achievements"),
    path("settings/showcase/", views.showcase, name="showcase_edit"),
    path("settings/showcase/hide/", views.hide_award, name="hide_award"),
    path("u/<str:username>/endorse/", views.endorse, name="endorse"),
    path(
        "u/<str:username>/endorse/withdraw/",
        views.withdraw_endorsement,
        name="withdraw_endorsement",
    ),
]

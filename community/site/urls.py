"""The site's URLs: every app's pages, accounts, the API, the admins.

/ws/ is routed in community/site/asgi.py.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from community import token_views, views
from community.site import csp
from community.site.api import api
from forums import views as forums_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("communities/new/", views.community_create, name="community_create"),
    # The community's home shows its threads: the forums app composes the page.
    path("c/<slug:slug>/", forums_views.community_home, name="community"),
    path("c/<slug:slug>/join/", views.community_join, name="community_join"),
    path("c/<slug:slug>/leave/", views.community_leave, name="community_leave"),
    path("c/<slug:slug>/members/", views.community_members, name="community_members"),
    path("c/<slug:slug>/moderation/", views.community_moderation, name="community_moderation"),
    path("c/<slug:slug>/invitations/", views.community_invitations, name="community_invitations"),
    path("c/<slug:slug>/settings/", views.community_settings, name="community_settings"),
    path(
        "c/<slug:slug>/members/<str:username>/<slug:verb>/",
        views.member_action,
        name="member_action",
    ),
    path("", include("forums.urls")),
    path("", include("forums.moderation.urls")),
    path("", include("badges.urls")),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("u/<str:username>/", views.profile, name="profile"),
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("kpis/", include("community.kpis.urls")),
    path("settings/tokens/", token_views.my_tokens, name="api_tokens"),
    path("u/<str:username>/tokens/", token_views.member_tokens, name="member_api_tokens"),
    path(
        "u/<str:username>/tokens/<str:token>/revoke/",
        token_views.revoke_token,
        name="api_token_revoke",
    ),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path(settings.CSP_REPORT_PATH.lstrip("/"), csp.csp_report, name="csp_report"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # Wagtail's login would skip allauth's email verification and rate limits.
    path(
        "cms/login/",
        RedirectView.as_view(url="/accounts/login/", query_string=True),
        name="cms_login",
    ),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Exclusive content: its own URLs first, then Wagtail's page serving under /content/
    # (the content home is the Wagtail site's root page).
    path("", include("cms.urls")),
    path("content/", include(wagtail_urls)),
]

# Our page (with the request: header, theme, CSP nonce) for bodies Django cannot read.
handler400 = "community.site.error_pages.bad_request"

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

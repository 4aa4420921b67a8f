"""Response headers: the Content-Security-Policy of each kind of page, caching of signed-in
answers, X-Permitted-Cross-Domain-Policies, the CSP report endpoint, and the 400 page.

Issue 12, "Headers, checked in a real browser" (tests/e2e/test_csp.py checks
the policy in Chromium) and defect 6 for bodies Django cannot read.
"""

import json
import logging
import re

import pytest
from django.test import Client

from community import actions


def directives(response):
    header = response["Content-Security-Policy"]
    return {
        name: value.split()
        for name, _, value in (part.strip().partition(" ") for part in header.split(";"))
    }


@pytest.fixture
def club(make_community, make_user, add_member):
    community = make_community("club")
    member = make_user()
    add_member(community, member)
    return {"community": community, "member": member}


MEMBER_PAGES = ["/", "/c/club/", "/search/?q=x", "/accounts/login/", "/api/v1/docs"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_facing_pages_have_a_strict_nonce_policy(client, club, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    nonces = [source for source in policy["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'strict-dynamic'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["report-uri"] == ["/csp-report/"]
    # Every script of the page carries this response's nonce, and nothing runs inline.
    html = response.content.decode()
    nonce = nonces[0][len("'nonce-") : -1]
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler would be blocked"
    assert not re.search(r"<[^>]+\sstyle=", html), "an inline style attribute would be blocked"


@pytest.mark.django_db
def test_each_response_gets_its_own_nonce(client, club):
    first = directives(client.get("/c/club/"))["script-src"]
    second = directives(client.get("/c/club/"))["script-src"]
    assert first != second


@pytest.mark.django_db
def test_the_thread_page_and_the_theme_carry_the_nonce(client, club, staff):
    from community.theme import BrandTheme
    from forums import actions as forum_actions

    BrandTheme(pk=1, primary="#1d4ed8", accent="#b42318").save()  # save() clears the cache
    thread = forum_actions.create_thread(
        club["member"], club["community"], kind="discussion", title="Hi", body="Hello"
    )
    response = client.get(thread.get_absolute_url())
    nonce = next(s for s in directives(response)["script-src"] if s.startswith("'nonce-"))[7:-1]
    assert f"'nonce-{nonce}'" in directives(response)["style-src"]
    html = response.content.decode()
    assert f'<style nonce="{nonce}">' in html
    assert re.search(rf'<script nonce="{re.escape(nonce)}" src="[^"]*thread\.js"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/cms/"])
def test_the_admins_have_their_own_policy(client, staff, path):
    client.force_login(staff)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert not any(source.startswith("'nonce-") for source in policy["script-src"])
    assert "'strict-dynamic'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]  # no update check to releases.wagtail.org
    assert policy["report-uri"] == ["/csp-report/"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/c/club/", "/notifications/", "/settings/profile/", "/search/?q=x"]
)
def test_signed_in_pages_are_not_stored(client, club, path):
    client.force_login(club["member"])
    response = client.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_me_is_not_stored_with_a_token_or_a_session(client, club):
    _token, key = actions.create_api_token(club["member"], club["member"])
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(club["member"])
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/c/club/", "/search/?q=x"])
def test_anonymous_pages_stay_cacheable(client, club, path):
    response = client.get(path)
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_static_files_keep_their_caching_and_get_the_cross_domain_header(client, club):
    client.force_login(club["member"])
    response = client.get("/static/js/site.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert response["X-Permitted-Cross-Domain-Policies"] == "none"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/c/club/", "/nowhere/", "/api/v1/communities", "/api/v1/nowhere", "/healthz"]
)
def test_every_response_forbids_cross_domain_policies(client, club, path):
    assert client.get(path)["X-Permitted-Cross-Domain-Policies"] == "none"


REPORT = {
    "csp-report": {
        "document-uri": "http://testserver/c/club/t/1/?token=secret",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
        "source-file": "http://testserver/c/club/t/1/",
        "line-number": 12,
        "disposition": "enforce",
    }
}


@pytest.mark.django_db
def test_a_report_is_logged_without_query_strings(caplog):
    client = Client(enforce_csrf_checks=True)  # browsers send no CSRF token
    with caplog.at_level(logging.WARNING, logger="community.site.csp"):
        response = client.post(
            "/csp-report/", json.dumps(REPORT), content_type="application/csp-report"
        )
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "community.site.csp"]
    message = record.getMessage()
    assert "script-src-elem" in message
    assert "/c/club/t/1/" in message
    assert "secret" not in message


@pytest.mark.django_db
def test_reports_to_format_is_logged_too(client, caplog):
    body = [
        {
            "type": "csp-violation",
            "body": {"documentURL": "http://testserver/", "effectiveDirective": "style-src-attr"},
        }
    ]
    with caplog.at_level(logging.WARNING, logger="community.site.csp"):
        response = client.post("/csp-report/", body, content_type="application/reports+json")
    assert response.status_code == 204
    assert "style-src-attr" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"x" * 20_000, 413),
        (b"not json", 400),
        (b"[" * 15_000, 400),
        (b"\xff\xfe", 400),
        (b'{"csp-report": 1}', 204),
        (b"[1, null, {}]", 204),
    ],
)
def test_junk_reports_get_a_4xx_or_are_ignored(client, body, status):
    response = client.post("/csp-report/", body, content_type="application/csp-report")
    assert response.status_code == status


@pytest.mark.django_db
def test_reports_are_bounded_per_client(client, settings, caplog):
    settings.CSP_REPORTS_PER_MINUTE = 3
    with caplog.at_level(logging.WARNING, logger="community.site.csp"):
        statuses = [
            client.post("/csp-report/", REPORT, content_type="application/json").status_code
            for _ in range(5)
        ]
    assert statuses == [204, 204, 204, 429, 429]
    assert len([r for r in caplog.records if r.name == "community.site.csp"]) == 3


@pytest.mark.django_db
def test_reports_take_only_post(client):
    assert client.get("/csp-report/").status_code == 405


# --- Bodies Django cannot read (defect 6, HTML side) ---------------------------------


BAD_MULTIPART = [
    "multipart/form-data",
    "multipart/form-data; boundary=",
    'multipart/form-data; boundary=""',
]


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", BAD_MULTIPART)
@pytest.mark.parametrize(
    "path", ["/c/club/new/", "/settings/profile/", "/c/club/images/new/", "/accounts/login/"]
)
def test_a_multipart_body_without_boundary_gets_our_400_page(client, club, path, content_type):
    client.force_login(club["member"])
    response = client.post(path, b"--x\r\n", content_type=content_type)
    assert response.status_code == 400
    assert b"We could not read this request" in response.content
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", BAD_MULTIPART)
def test_a_multipart_body_without_boundary_under_api_is_json(client, club, content_type):
    client.force_login(club["member"])
    response = client.post("/api/v1/communities/club/images", b"--x\r\n", content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"]

"""/api/v1/docs works offline: Swagger UI comes from our static files, never a CDN."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders

DOCS = "/api/v1/docs"


def asset_urls(html):
    """Every URL the page loads by itself: scripts, stylesheets, icons."""
    return re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', html)


@pytest.mark.django_db
def test_the_docs_page_loads_nothing_from_another_host(client):
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    urls = asset_urls(html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls), urls
    assert any(url.endswith("swagger-ui.css") for url in urls), urls
    for url in urls:
        assert not urlsplit(url).netloc and not url.startswith("//"), url
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html


def test_the_swagger_ui_files_are_static_files():
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js"):
        assert finders.find(f"ninja/{name}"), name


@pytest.mark.django_db
def test_the_docs_point_at_our_schema(client):
    html = client.get(DOCS).content.decode()
    assert '"/api/v1/openapi.json"' in html


@pytest.mark.django_db
def test_the_docs_ask_no_online_validator(client):
    # Swagger UI's default badge loads an image from validator.swagger.io.
    html = client.get(DOCS).content.decode()
    assert '"validatorUrl": null' in html

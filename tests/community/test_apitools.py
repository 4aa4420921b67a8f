"""Apps mount their API routers through ``community.apitools.register_router``.

The site's API frame mounts what was registered, in registration order, and its
catch-all JSON 404 after them; a router registered too late is refused rather
than silently never served.
"""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from ninja import Router

from community import apitools


def as_router(router):
    return import_string(router) if isinstance(router, str) else router


def schema_paths(router):
    """The router's paths as the schema names them: ``{int:id}`` is ``{id}`` there."""
    return [
        "/api/v1" + re.sub(r"\{\w+:(\w+)\}", r"{\1}", path)
        for path in as_router(router).path_operations
    ]


def test_each_app_registers_its_routers_in_installed_apps_order():
    registered = apitools.registered_routers()
    for name in (
        "community.api.router",
        "community.api_tokens.router",
        "forums.api.router",
        "forums.api_search.router",
    ):
        assert name in registered, name
    community_last = max(
        registered.index(name) for name in ("community.api.router", "community.api_tokens.router")
    )
    assert community_last < registered.index("forums.api.router")


@pytest.mark.django_db
def test_the_site_mounts_every_registered_router_in_order_then_the_catch_all(client):
    paths = list(client.get("/api/v1/openapi.json").json()["paths"])
    first_paths = []
    for router in apitools.registered_routers():
        mine = schema_paths(router)
        assert mine and set(mine) <= set(paths), router
        first_paths.append(paths.index(mine[0]))
    assert first_paths == sorted(first_paths)
    # The catch-all comes last: a registered path is served, an unknown one is JSON 404.
    assert client.get("/api/v1/search", {"q": "x"}).status_code == 200
    missing = client.get("/api/v1/no-such-endpoint")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No such API endpoint.", "code": "not_found"}


def test_registering_a_router_again_changes_nothing():
    before = apitools.registered_routers()
    apitools.register_router(before[0])
    apitools.register_router(before[-1])
    assert apitools.registered_routers() == before


def test_a_router_registered_after_the_api_was_mounted_is_refused():
    import community.site.api  # noqa: F401  (mounts the registered routers, once per process)

    late = Router()
    with pytest.raises(ImproperlyConfigured, match="after the API was mounted"):
        apitools.register_router(late)
    assert late not in apitools.registered_routers()


def test_only_routers_or_their_dotted_paths_register():
    with pytest.raises(TypeError):
        apitools.register_router(object())

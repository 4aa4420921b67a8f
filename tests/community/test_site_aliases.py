"""The deprecated paths of the site package still serve deployments started with them.

``community.settings``, ``community.asgi`` and ``community.wsgi`` moved to
``community.site``; the old modules are aliases. Checked in a fresh process
started as an old deployment is (``DJANGO_SETTINGS_MODULE=community.settings``):
importing the WSGI entry tunes the process's collector, which the test process
must not get.
"""

import json
import textwrap

from tests.community.test_settings import python

PROBE = textwrap.dedent(
    """
    import json, wsgiref.util
    import community.settings as old_settings
    import community.site.settings as new_settings
    import community.asgi, community.site.asgi, community.wsgi, community.site.wsgi
    from django.conf import settings

    def names(module):
        return {name: repr(getattr(module, name)) for name in dir(module) if name.isupper()}

    environ = {"PATH_INFO": "/api/v1/openapi.json"}
    wsgiref.util.setup_testing_defaults(environ)
    answer = {}
    body = b"".join(
        community.wsgi.application(environ, lambda status, headers: answer.update(status=status))
    )
    print(json.dumps({
        "same_settings": names(old_settings) == names(new_settings),
        "root_urlconf": settings.ROOT_URLCONF,
        "same_asgi": community.asgi.application is community.site.asgi.application,
        "same_wsgi": community.wsgi.application is community.site.wsgi.application,
        "status": answer["status"],
        "has_paths": "/api/v1/me" in json.loads(body)["paths"],
    }))
    """
)


def test_the_old_paths_serve_the_same_site():
    result = python("-c", PROBE, env={"DJANGO_SETTINGS_MODULE": "community.settings"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "same_settings": True,
        "root_urlconf": "community.site.urls",
        "same_asgi": True,
        "same_wsgi": True,
        "status": "200 OK",
        "has_paths": True,
    }

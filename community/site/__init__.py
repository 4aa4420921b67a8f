"""The site: the composition root, and the only package that imports every app.

Settings, URLs, the ASGI and WSGI entry points, the REST API's frame
(``api``), middleware, the content security policy, error pages, the
database and cache backends, the server process's tuning, and ``seed_demo``,
which seeds every app at once. The domain apps (``community`` around it,
``forums``, ``badges``, ``cms``, ``realtime``) never import from here: they
extend the site through registries filled in their ``AppConfig.ready()``
(API routers: ``community.apitools.register_router``).
"""

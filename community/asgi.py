"""Deprecated alias of ``community.site.asgi``, kept for deployments started with
``daphne community.asgi:application``: serve ``community.site.asgi:application`` instead."""

from community.site.asgi import application  # noqa: F401

"""Deprecated alias of ``community.site.wsgi``, kept for deployments started with
``community.wsgi:application``: serve ``community.site.wsgi:application`` instead."""

from community.site.wsgi import application  # noqa: F401

"""Deprecated alias of ``community.site.settings``, kept for deployments started with
``DJANGO_SETTINGS_MODULE=community.settings``: set ``community.site.settings`` instead."""

from community.site.settings import *  # noqa: F403

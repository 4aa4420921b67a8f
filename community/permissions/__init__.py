"""Who may see what, and who may do what, in a community.

This package is the only place that decides visibility: pages, the API,
WebSocket subscriptions, search, feeds, notifications, CMS audiences and KPI
exports all ask it. Other apps' ``permissions.py`` add rules about their own
objects on top and never decide visibility again.

It speaks three ways (as Misago does):

- ``can_*(user, community, ...)`` predicates return a bool, for templates;
- ``check_*`` raise ``Http404`` (you may not know it exists) or
  ``PermissionDenied`` with a message that says why;
- ``filter_*`` narrow a queryset.

A hidden community answers "not found" to whoever may not see it, exactly as
a community that does not exist does.

The viewer's membership is looked up once per community object and kept on
it (``community._membership_cache``); ``community.queries`` can prefetch it
for a whole list with ``with_viewer_membership``.

The rules are in three modules, re-exported here so that every caller asks
``community.permissions``: ``base`` (visibility, joining, management, API tokens,
social value), ``moderation`` (sanctions, the audit log, customer care, flags and
the queue, curation, prevention), which builds on ``base``, and ``audience`` (who
meets an exclusive content's audience, and what an outsider is told of it).
"""

from community.permissions.audience import *  # noqa: F403
from community.permissions.base import *  # noqa: F403
from community.permissions.kpis import *  # noqa: F403
from community.permissions.moderation import *  # noqa: F403

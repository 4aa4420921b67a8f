"""Moderation: the forums' own curation tools, in one app (label ``moderation``).

DESIGN.md gives moderation to the forums; it lives apart from the forums' core so
that the core stays readable, and plugs into it only through its registries: the
screens of the write path (``forums.screening``), the activity ledger's verbs and
receivers, stream events, API routers, unread counters and page slots.

Its parts, each a sub-package with its own ``setup.ready()``:

- ``queue``: flags, their weight, and the review queue with atomic claims;
- ``prevention``: trust levels and pre-moderation, watched words, rate limits;
- ``sanctions``: warnings, silences, bans and suspensions, moderator notes, the audit
  log, two-factor authentication for those who moderate;
- ``curation``: highlights, tags, similar threads while a question is typed;
- ``care``: customer-care reactivity (first-response targets, live timers, routing
  to experts, alerts, moderators on duty).

``notices`` tells a member privately what a moderator decided about them.
"""

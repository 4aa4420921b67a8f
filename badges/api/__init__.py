"""API endpoints of social value: badges and their grants, rule templates, levels,
leaderboards and the managers' ambassador view, qualities and endorsements.

Privacy is the community's: whatever belongs to a community answers 404 to whoever
may not know the community exists (the same 404 as a missing one) and 403 to whoever
may know it but not read it (``community.queries.community_for`` then
``community.permissions.check_read``); a badge of a hidden community is "no badge"
to outsiders, and a disabled badge to whoever may not manage it. Refusals of the
actions keep their code: a 422 says which rule of the input was broken (``code``,
and ``code`` on each of ``errors``).

``badges.apps`` registers the router of each module:

- ``badges``: ``/badges``, ``/badges/{badge}`` (and its preview and grants),
  ``/communities/{slug}/badges``, ``/rules``
- ``standing``: ``/communities/{slug}/levels``, ``/leaderboard``, ``/ambassadors``
- ``endorsements``: ``/communities/{slug}/qualities``, ``/members/{username}/endorsements``
"""

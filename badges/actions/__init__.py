"""The badges app's write path for people: one function per verb, a module per topic.

Every change a manager or member makes to badges, levels, qualities, endorsements
and showcases goes through one of these functions. Each asks
``community.permissions`` whether the actor may do it (raising ``Forbidden`` or
``Http404`` with a clear message), validates (``ValidationError`` with a ``code``
per field) and writes inside one transaction, and records the activity entry under
a verb of ``badges.verbs``; notices and live events leave once it commits
(``badges.notify``). Awards by rule and reputation are written by the receivers of
``badges.awarding`` and ``badges.reputation``, not here.

- ``awards``: create_badge, update_badge, grant, revoke (and the background job that
  awards a rule badge just enabled to whoever already qualifies)
- ``ladders``: set_levels
- ``qualities``: add_quality, rename_quality, remove_quality
- ``endorsements``: endorse, withdraw_endorsement
- ``showcase``: update_showcase, set_award_hidden
"""

from badges.actions.awards import create_badge, grant, revoke, update_badge
from badges.actions.endorsements import endorse, withdraw_endorsement
from badges.actions.ladders import set_levels
from badges.actions.qualities import add_quality, remove_quality, rename_quality
from badges.actions.showcase import set_award_hidden, update_showcase

__all__ = [
    "add_quality",
    "create_badge",
    "endorse",
    "grant",
    "remove_quality",
    "rename_quality",
    "revoke",
    "set_award_hidden",
    "set_levels",
    "update_badge",
    "update_showcase",
    "withdraw_endorsement",
]

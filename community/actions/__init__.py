"""The community domain's write path: one function per verb, in a module per topic.

Every change to communities, memberships, invitations, profiles and API
tokens goes through one of these functions. Each asks ``community.permissions``
whether the actor may do it (raising ``PermissionDenied``/``Http404`` with a
clear message), validates and writes inside one transaction, records the
activity, and on commit publishes the real-time event; the activity entry is then
delivered to the receivers other apps connected (``community.activity``).
Views, the API, consumers, commands and tests call them as ``actions.join(...)``
(re-exported here); nothing else saves these models.

- ``communities``: create_community, update_community
- ``memberships``: join, leave, approve, refuse, remove, ban, unban, set_role, update_member
  (and the worker's lift_expired_ban)
- ``sanctions``: silence, unsilence, suspend, unsuspend (and the worker's lift_expired_*)
- ``invitations``: invite, revoke_invitation, accept_invitation
- ``profiles``: update_profile
- ``tokens``: create_api_token, create_own_api_token, revoke_api_token
- ``_common``: the transaction, lock and after-commit announcements every membership
  change shares

Payload shapes are in ``community.payloads``, invitation links in ``community.invitations``.
"""

from community.actions.communities import create_community, update_community
from community.actions.invitations import accept_invitation, invite, revoke_invitation
from community.actions.memberships import (
    approve,
    ban,
    join,
    leave,
    refuse,
    remove,
    set_role,
    unban,
    update_member,
)
from community.actions.profiles import update_profile
from community.actions.sanctions import silence, suspend, unsilence, unsuspend
from community.actions.tokens import create_api_token, create_own_api_token, revoke_api_token

__all__ = [
    "accept_invitation",
    "approve",
    "ban",
    "create_api_token",
    "create_community",
    "create_own_api_token",
    "invite",
    "join",
    "leave",
    "refuse",
    "remove",
    "revoke_api_token",
    "revoke_invitation",
    "set_role",
    "silence",
    "suspend",
    "unban",
    "unsilence",
    "unsuspend",
    "update_community",
    "update_member",
    "update_profile",
]

"""The activity verbs of the community domain, declared once (``community.activity``).

Each entry names who did it (``actor``), the community, the member it is about
(``target_user``) and its object; ``keys`` are what its data carries.
"""

from community.activity import Verb

COMMUNITY = "community.community"
MEMBERSHIP = "community.membership"

VERBS = (
    Verb("community.created", COMMUNITY, doc="A community was created."),
    Verb("community.updated", COMMUNITY, ("before", "after"), doc="Its settings changed."),
    # Memberships. The target is the member; ending one is an entry of its own (left,
    # refused, removed, banned), so member counts rebuilt from the ledger go down too.
    Verb("membership.joined", MEMBERSHIP, ("invited",), doc="Joined, at once."),
    Verb("membership.requested", MEMBERSHIP, ("invited",), doc="Asked to join."),
    Verb("membership.approved", MEMBERSHIP, doc="A moderator let a request in."),
    Verb("membership.refused", None, doc="A moderator turned a request down."),
    Verb("membership.left", None, doc="The member left."),
    Verb("membership.removed", None, doc="A moderator removed the member."),
    Verb("membership.banned", MEMBERSHIP, ("reason",), doc="Banned from the community."),
    Verb("membership.unbanned", MEMBERSHIP, doc="The ban was lifted."),
    Verb("membership.role_changed", MEMBERSHIP, ("before", "after"), doc="Role changed."),
    Verb("invitation.sent", "community.invitation", ("email",), doc="A manager invited someone."),
    Verb("invitation.revoked", "community.invitation", doc="An invitation was taken back."),
    Verb("profile.updated", None, ("fields",), doc="A member's profile changed."),
    Verb("api_token.created", "community.apitoken", doc="An API token was created."),
    Verb(
        "api_token.revoked",
        "community.apitoken",
        ("prefix",),
        optional=("via",),
        doc="An API token was revoked.",
    ),
)

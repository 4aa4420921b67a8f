"""The activity verbs prevention records."""

from community.activity import Verb, declare


def declare_verbs():
    declare(
        Verb(
            "trust.promoted",
            "moderation.membertrust",
            ("reason", "before", "after"),
            doc="A member became trusted in a community (by hand or on meeting the criteria).",
        ),
        Verb(
            "trust.demoted",
            "moderation.membertrust",
            ("reason", "before", "after"),
            doc="A moderator set a member back to newcomer.",
        ),
        Verb(
            "trust.policy_changed",
            "moderation.trustpolicy",
            ("before", "after"),
            ("reason",),
            doc="A manager changed the community's limits for newcomers.",
        ),
        Verb(
            "watched_word.added",
            "moderation.watchedword",
            ("pattern", "action", "after"),
            ("reason",),
            doc="A watched word was added (community list or, community null, site-wide).",
        ),
        Verb(
            "watched_word.removed",
            "moderation.watchedword",
            ("pattern", "action", "before"),
            ("reason",),
            doc="A watched word was removed.",
        ),
    )

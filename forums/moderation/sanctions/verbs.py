"""The sanctions part's activity verbs (the others, ban/silence/suspend, are community's)."""

from community.activity import Verb

VERBS = (
    Verb(
        "member.warned",
        "moderation.notice",
        ("reason",),
        doc="A moderator warned a member privately (the reason is the warning's text).",
        audit=True,
    ),
    Verb(
        "member.noted",
        "moderation.moderatornote",
        doc="A moderator wrote a private note on a member (the text stays in the note).",
        audit=True,
    ),
)

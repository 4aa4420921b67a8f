"""Curation's activity verbs (``community.activity``)."""

from community.activity import Verb

HIGHLIGHT = "moderation.highlight"
TAG = "forums.tag"
THREAD = "forums.thread"

VERBS = (
    Verb(
        "highlight.added",
        HIGHLIGHT,
        ("reason", "after"),
        doc="A moderator featured a thread or a post; reason is the public note.",
    ),
    Verb(
        "highlight.removed",
        HIGHLIGHT,
        ("reason", "before"),
        doc="A moderator stopped featuring it (reason: optional, theirs).",
    ),
    Verb("tag.created", TAG, ("after",), doc="A manager added a tag to the community's list."),
    Verb("tag.renamed", TAG, ("before", "after"), doc="A manager renamed a tag (slug kept)."),
    Verb(
        "tag.deleted",
        TAG,
        ("before", "threads"),
        optional=("reason",),
        doc="A manager deleted a tag; threads: how many threads lost it.",
    ),
    Verb(
        "thread.tagged",
        THREAD,
        ("before", "after"),
        doc="A moderator set a thread's tags (lists of slugs).",
    ),
    Verb(
        "similar.opened",
        THREAD,
        ("thread", "query"),
        doc="While typing a new thread's title, a member opened this suggested thread.",
    ),
)

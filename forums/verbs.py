"""The activity verbs of the forums, declared once (``community.activity``).

An entry's ``target_user`` is the member it is about when that is not the actor:
the author of the post that got a reaction or was accepted, of the idea that got
a vote. Every withdrawal is an entry of its own, so reputation and KPIs rebuilt
from the ledger go down as well as up.
"""

from community.activity import Verb

THREAD = "forums.thread"
POST = "forums.post"

VERBS = (
    Verb("thread.created", THREAD, ("kind", "post"), doc="A thread, with its opening post."),
    Verb("post.created", POST, ("thread", "first_response"), doc="A reply."),
    Verb("post.edited", POST, ("thread",), doc="A post's text changed."),
    Verb(
        "thread.held",
        THREAD,
        ("kind", "post", "reasons"),
        doc="A new thread waits for a moderator's review; thread.created follows its approval.",
    ),
    Verb(
        "post.held",
        POST,
        ("thread", "reasons"),
        doc="A reply waits for a moderator's review; post.created follows its approval.",
    ),
    Verb(
        "post.deleted",
        POST,
        ("thread", "by"),
        doc='A post was deleted, by its author ("author") or a moderator ("moderator").',
    ),
    Verb("reaction.added", POST, ("kind",), doc="A member reacted to a post."),
    Verb("reaction.removed", POST, ("kind",), doc="A member took their reaction back."),
    Verb("answer.accepted", POST, ("thread",), doc="A post became a question's answer."),
    Verb(
        "answer.cleared",
        POST,
        ("thread", "reason"),
        doc='A post stopped being the answer: "replaced" by another, "withdrawn", or "deleted".',
    ),
    Verb("idea.voted", THREAD, doc="A member voted for an idea."),
    Verb("idea.vote_withdrawn", THREAD, doc="A member withdrew their vote."),
    Verb("idea.status_changed", THREAD, ("before", "after"), doc="An idea moved along."),
    Verb("poll.voted", THREAD, ("options",), doc="A member answered a poll."),
    Verb("poll.answer_changed", THREAD, ("before", "after"), doc="They changed their answer."),
    Verb("poll.vote_withdrawn", THREAD, ("before",), doc="They withdrew their answer."),
    Verb("thread.locked", THREAD, doc="No more replies."),
    Verb("thread.unlocked", THREAD, doc="Replies again."),
    Verb("thread.pinned", THREAD, doc="Kept at the top of its community."),
    Verb("thread.unpinned", THREAD, doc="No longer pinned."),
    Verb("image.uploaded", "forums.postimage", ("width", "height", "bytes"), doc="An image."),
)

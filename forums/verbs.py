"""The activity verbs of the forums, declared once (``community.activity``).

An entry's ``target_user`` is the member it is about when that is not the actor:
the author of the post that got a reaction or was accepted, of the idea that got
a vote. Every withdrawal is an entry of its own, so reputation and KPIs rebuilt
from the ledger go down as well as up.
"""

from community.activity import Verb

THREAD = "forums.thread"
POST = "forums.post"

# Moderation of content (forums.actions.moderation): each carries the moderator's reason
# and the before/after of what changed; they make up the community's audit log.
_CHANGE = ("reason", "before", "after")
MODERATION_VERBS = tuple(
    Verb(name, model, keys, optional, doc=doc, audit=True)
    for name, model, keys, optional, doc in (
        ("post.hidden", POST, ("thread", *_CHANGE, "by"), (), "A post was hidden."),
        ("post.restored", POST, ("thread", *_CHANGE), (), "A hidden post is shown again."),
        ("post.approved", POST, ("thread", *_CHANGE), (), "A held reply was published."),
        ("post.rejected", POST, ("thread", *_CHANGE), (), "A held reply was refused."),
        ("thread.approved", THREAD, _CHANGE, (), "A held thread was published."),
        ("thread.rejected", THREAD, _CHANGE, (), "A held thread was refused."),
        ("thread.hidden", THREAD, _CHANGE, (), "A thread was taken down."),
        ("thread.unhidden", THREAD, _CHANGE, (), "A hidden thread is shown again."),
        ("thread.closed", THREAD, _CHANGE, (), "Closed for good: no more replies."),
        ("thread.reopened", THREAD, _CHANGE, (), "A closed thread takes replies again."),
        ("thread.moved", THREAD, _CHANGE, (), "Moved to another community (slugs)."),
        ("thread.merged", THREAD, ("into", "posts", *_CHANGE), (), "Posts appended to another."),
        ("thread.split", THREAD, ("into", "posts", "reason"), (), "Replies moved to a new one."),
    )
)

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
    Verb("thread.locked", THREAD, (), ("reason",), doc="No more replies.", audit=True),
    Verb("thread.unlocked", THREAD, (), ("reason",), doc="Replies again.", audit=True),
    Verb("thread.pinned", THREAD, (), ("reason",), doc="Kept at the top.", audit=True),
    Verb("thread.unpinned", THREAD, (), ("reason",), doc="No longer pinned.", audit=True),
    *MODERATION_VERBS,
    Verb("image.uploaded", "forums.postimage", ("width", "height", "bytes"), doc="An image."),
)

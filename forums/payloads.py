"""Shapes of threads, posts, polls and authors, shared by stream events and the API.

Also the roles a post's header names (``STAFFING_ROLES``), which the live
``post.created`` event and the thread page both show.
"""

from community import facets
from community.models import Membership
from forums.models import Status


def author_data(user, shown=None):
    """A post's or thread's author; with ``shown`` (``community.facets.load``), the keys
    that other apps add to post authors (levels, badges)."""
    if user is None:
        return None
    data = {"username": user.username, "display_name": user.profile.name}
    if shown is not None:
        data.update(shown.for_user(user.pk))
    return data


def thread_data(thread):
    return {
        "id": thread.pk,
        "community": thread.community.slug,
        "kind": thread.kind,
        "title": thread.title,
        "author": author_data(thread.author),
        "state": thread.state,
        "pinned": thread.pinned,
        "solved": thread.is_solved,
        "accepted_post": thread.accepted_post_id,
        "idea_status": thread.idea_status or None,
        "vote_count": thread.vote_count,
        "reply_count": thread.reply_count,
        "created_at": thread.created_at.isoformat(),
        "last_activity_at": thread.last_activity_at.isoformat(),
        "status": thread.status,
        **_tags(thread),
    }


def _tags(thread):
    """``tags`` (slugs) where the caller prefetched them (the API's lists and details);
    events, written on every reply, do not pay a query for them."""
    cache = getattr(thread, "_prefetched_objects_cache", {})
    if "tags" not in cache:
        return {}
    return {"tags": [tag.slug for tag in cache["tags"]]}


def poll_data(poll, options, my_votes):
    """A poll as ``user`` may see it: counts only once they voted or the poll closed."""
    show = poll.is_closed or bool(my_votes)
    return {
        "multiple": poll.multiple,
        "closes_at": poll.closes_at.isoformat() if poll.closes_at else None,
        "closed": poll.is_closed,
        "voter_count": poll.voter_count if show else None,
        "options": [
            {"id": o.pk, "label": o.label, "votes": o.vote_count if show else None} for o in options
        ],
        "my_votes": sorted(my_votes),
    }


def posts_data(posts, community, viewer, *, reveal=False):
    """``post_data`` of each post of ``community``, their authors' facets loaded at once."""
    authors = [post.author_id for post in posts]
    shown = facets.load(authors, viewer=viewer, community=community, authors=True)
    return [post_data(post, shown, reveal=reveal) for post in posts]


def post_data(post, shown=None, *, reveal=False):
    """A post; a deleted one, and a hidden one unless ``reveal`` (moderators), without
    its text nor its reactions (as the thread page shows them): ``hidden`` tells the
    reader why."""
    hidden = post.status == Status.HIDDEN
    deleted = post.is_deleted or (hidden and not reveal)
    return {
        "id": post.pk,
        "thread": post.thread_id,
        "number": post.number,
        "author": author_data(post.author, shown),
        "body": "" if deleted else post.body,
        "html": "" if deleted else post.html,
        "reply_to": post.reply_to_id,
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "deleted": post.is_deleted,
        "status": post.status,
        "hidden": hidden,
        "reactions": {} if deleted else post.reaction_counts,
    }


# The roles a post's header names (members need no badge); forums.views shows the same.
STAFFING_ROLES = frozenset({Membership.Role.MODERATOR, Membership.Role.MANAGER})

"""What the forum verbs share: row locks, retried submissions, events.

``_locked_thread`` and ``_locked_post`` take the rows a verb changes (the
thread first, then its stream counters, so that none deadlock);
``_existing``/``_replayed`` answer a retried ``client_id``; ``_publish_thread``
and ``_publish_post`` send the real-time events after commit.
"""

from django.utils.translation import gettext as _

from community import facets
from community import permissions as community_permissions
from community.errors import Conflict
from community.models import Membership
from forums.models import Post, Status, Thread
from forums.payloads import STAFFING_ROLES, post_data, thread_data
from realtime import publish


def _publish_thread(thread, event, *, page=True):
    """Bump the community's thread list; a change also goes to the thread's own page.

    ``page=False`` when the thread page learns of the change otherwise (a reply:
    its ``post.created``), so that every viewer gets one frame for it, not two.
    The thread's stream is numbered before the community's: every action takes
    stream counters in that order (after the thread row), so none deadlock.
    """
    data = thread_data(thread)
    if page and event != "thread.created":
        publish.send_event_on_commit(f"thread:{thread.pk}", "thread.changed", data)
    publish.send_event_on_commit(f"community:{thread.community.slug}", event, data)


def _publish_post(post, event):
    data = _post_as_shown(post)
    if event == "post.created" and data["author"] is not None:
        data["author"].update(_author_standing(post))
        # What other apps show with an author (community.facets): their keys, and the
        # author line's fragments, rendered here as the thread page renders them.
        # viewer None: whoever may read the community (everyone on the thread's stream).
        shown = facets.load(
            [post.author_id], viewer=None, community=post.thread.community, authors=True
        )
        data["author"].update(shown.for_user(post.author_id))
        line = shown.html(post.author_id)
        if line:
            data["author"]["line_html"] = line
    publish.send_event_on_commit(f"thread:{post.thread_id}", event, data, subject=f"post:{post.pk}")


def _post_as_shown(post):
    """``post_data`` as the thread page shows the post now: a deleted one is a tombstone,
    a hidden one a placeholder (moderators see its text on the page, not in events)."""
    data = post_data(post)
    if post.is_deleted or post.status == Status.HIDDEN:
        data.update(reactions={}, edited_at=None)
    return data


def _author_standing(post):
    """What the thread page shows next to a post of the author's, for a post added live.

    ``avatar``: the picture's URL or None; ``role``: "moderator" or "manager" in the
    thread's community, None for anyone else.
    """
    author = post.author
    avatar = author.profile.avatar
    # Usually no query: the permission check of the action left it on the community.
    membership = community_permissions.membership_of(author, post.thread.community)
    active = membership is not None and membership.state == Membership.State.ACTIVE
    return {
        "avatar": avatar.url if avatar else None,
        "role": membership.role if active and membership.role in STAFFING_ROLES else None,
    }


def _existing(author, client_id, *, thread=None, opening=False):
    """The post this author already made with ``client_id``, if any (a retry).

    A client_id names one submission: reusing it for another thread or for a
    reply instead of a new thread is a client bug, answered with a conflict.
    """
    if not client_id:
        return None
    post = (
        Post.objects.select_related("thread__community")
        .filter(author=author, client_id=client_id)
        .first()
    )
    if post is None:
        return None
    if (opening and post.number != 1) or (thread is not None and post.thread_id != thread.pk):
        raise Conflict(
            _("This client_id was already used for another message."), code="client_id_reused"
        )
    return post


def _replayed(obj):
    """Mark what a retried submission returns, so that callers can say "already done"."""
    obj.replayed = True
    return obj


def _locked_thread(thread):
    """The thread row, locked until commit (not its community: other threads go on).

    With its author and their profile, which its events show (``thread_data``): read
    here, in the same query, rather than lazily while the row is held.
    """
    return (
        Thread.objects.select_for_update(of=("self",))
        .select_related("community", "author__profile")
        .get(pk=thread.pk)
    )


def _locked_post(post):
    """The post row, locked until commit, as it is now (not as the caller last saw it)."""
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread__community", "author__profile")
        .get(pk=post.pk)
    )

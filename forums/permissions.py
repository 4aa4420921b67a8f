"""What members may do with threads and posts, on top of ``community.permissions``.

Visibility is never decided here: "may read the thread" is "may read its
community". These rules add who may post, edit, accept, vote, watch, upload and moderate.
Same three ways of speaking: ``can_*``, ``check_*`` (raise), and no filters
of their own (lists narrow with ``community.permissions.filter_readable_communities``).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import permissions as community_permissions
from community.errors import Forbidden
from forums.models import PostImage, Status, Thread

Kind = Thread.Kind


def can_create_thread(user, community, kind):
    if not community_permissions.can_participate(user, community):
        return False
    if kind == Kind.ANNOUNCEMENT:
        return community_permissions.can_manage(user, community)
    return True


def check_create_thread(user, community, kind):
    community_permissions.check_participate(user, community)
    if not can_create_thread(user, community, kind):
        raise Forbidden(_("Only this community's managers can post announcements."))


def can_moderate_thread(user, thread):
    return community_permissions.can_moderate(user, thread.community)


def check_reply(user, thread):
    community_permissions.check_participate(user, thread.community)
    if can_moderate_thread(user, thread):
        return
    if thread.status != Status.PUBLISHED:
        raise Forbidden(_("This thread is not published."), code="not_published")
    if thread.is_locked:
        raise Forbidden(_("This thread is locked: no more replies."), code="locked")
    if not thread.replies_allowed:
        raise Forbidden(_("This announcement does not take replies."), code="replies_closed")


def can_reply(user, thread):
    return community_permissions.allowed(check_reply, user, thread)


@dataclass(frozen=True)
class PostEditRights:
    """Whose posts of one thread a user may edit or delete (``post_edit_rights``)."""

    user_id: int | None
    any: bool = False  # every post: the community's moderators
    own: bool = False  # their own posts: participants, while the thread is not locked

    def allows(self, author_id, *, deleted=False):
        """May the post by ``author_id`` (None: a former member) be edited or deleted?"""
        if deleted:
            return False
        return self.any or (self.own and author_id is not None and author_id == self.user_id)


def post_edit_rights(user, thread):
    """The part of ``check_edit_post`` that does not depend on the post.

    The thread page asks it once and then ``allows`` each post's author, so that its
    Edit and Delete links follow the very rule the action applies, with no query per post.
    """
    if not community_permissions.can_participate(user, thread.community):
        return PostEditRights(user.pk)
    if can_moderate_thread(user, thread):
        return PostEditRights(user.pk, any=True)
    return PostEditRights(user.pk, own=not thread.is_locked)


def check_edit_post(user, post):
    thread = post.thread
    community_permissions.check_participate(user, thread.community)
    if post.is_deleted:
        raise Forbidden(_("This post was deleted."), code="deleted")
    rights = post_edit_rights(user, thread)
    if rights.any:
        return
    if post.author_id != user.pk:
        raise Forbidden(_("You can only edit your own posts."))
    if not rights.own:
        raise Forbidden(_("This thread is locked: no more edits."), code="locked")


def can_edit_post(user, post):
    return community_permissions.allowed(check_edit_post, user, post)


def check_delete_post(user, post):
    check_edit_post(user, post)


def can_see_revisions(user, post):
    """Edit history: the author and moderators; others see only "edited".

    Once the post is deleted, moderators only: what was removed stays removed
    for its author too (forums.actions.delete_post keeps it for them).
    """
    if not user.is_authenticated:
        return False
    if post.author_id == user.pk and not post.is_deleted:
        return True
    return can_moderate_thread(user, post.thread)


def check_react(user, post):
    community_permissions.check_participate(user, post.thread.community)
    if post.is_deleted:
        raise Forbidden(_("This post was deleted."), code="deleted")
    if post.status != Status.PUBLISHED:
        raise Forbidden(_("This post is not published."), code="not_published")


def check_accept(user, thread, post=None):
    """The asker or a moderator accepts one answer to a question."""
    community_permissions.check_participate(user, thread.community)
    if thread.kind != Kind.QUESTION:
        raise Forbidden(_("Only questions have an accepted answer."), code="not_a_question")
    if thread.author_id != user.pk and not can_moderate_thread(user, thread):
        raise Forbidden(_("Only the person who asked, or a moderator, can accept an answer."))
    if post is not None and (post.thread_id != thread.pk or post.number == 1 or post.is_deleted):
        raise Forbidden(_("Choose a reply in this thread."), code="invalid_post")


def can_accept(user, thread):
    return community_permissions.allowed(check_accept, user, thread)


def check_vote(user, thread):
    community_permissions.check_participate(user, thread.community)
    if thread.kind != Kind.IDEA:
        raise Forbidden(_("Only ideas take votes."), code="not_an_idea")


def check_vote_poll(user, thread):
    community_permissions.check_participate(user, thread.community)
    if thread.kind != Kind.POLL:
        raise Forbidden(_("Only polls take answers."), code="not_a_poll")
    if thread.poll.is_closed:
        raise Forbidden(_("This poll is closed."), code="closed")


def can_vote_poll(user, thread):
    return community_permissions.allowed(check_vote_poll, user, thread)


def can_set_idea_status(user, thread):
    """Whether ``user`` may set ``thread``'s idea status (for templates)."""
    return thread.kind == Kind.IDEA and community_permissions.can_manage(user, thread.community)


def check_set_idea_status(user, thread):
    community_permissions.check_see_community(user, thread.community)
    if thread.kind != Kind.IDEA:
        raise Forbidden(_("Only ideas have a status."), code="not_an_idea")
    if not community_permissions.can_manage(user, thread.community):
        raise Forbidden(_("Only this community's managers can set an idea's status."))


def check_moderate_thread(user, thread):
    community_permissions.check_moderate(user, thread.community)


def check_watch(user, community):
    """Watch (or stop watching) a thread of ``community``, or the whole community.

    Whoever may read it, signed in, unless banned from it: a ban ends watching even
    where the community stays readable (``forums.notifications``), and the banned may
    not start again.
    """
    community_permissions.check_read(user, community)
    if not user.is_authenticated:
        raise Forbidden(_("Sign in to watch."), code="not_authenticated")
    membership = community_permissions.membership_of(user, community)
    if membership is not None and membership.state == community_permissions.State.BANNED:
        raise Forbidden(_("You are banned from this community."), code="banned")


def can_watch(user, community):
    return community_permissions.allowed(check_watch, user, community)


def can_upload_image(user, community):
    return community_permissions.allowed(check_upload_image, user, community)


def check_upload_image(user, community):
    """Upload an image for posts: participants, within ``POST_IMAGES_PER_HOUR`` (staff: no limit).

    The quota is counted here, before the upload is decoded; over it, ``Forbidden``
    with code ``rate_limited`` (the API answers 429).
    """
    community_permissions.check_participate(user, community)
    if community_permissions.is_staff(user):
        return
    limit = settings.POST_IMAGES_PER_HOUR
    since = timezone.now() - timedelta(hours=1)
    if PostImage.objects.filter(owner=user, created_at__gte=since).count() >= limit:
        message = ngettext(
            "You can upload %(count)d image an hour: please wait a little.",
            "You can upload %(count)d images an hour: please wait a little.",
            limit,
        ) % {"count": limit}
        raise Forbidden(message, code="rate_limited")


# --- Moderation of content (issue 15): who sees held and hidden things, who moves them ---


def can_see_thread(user, thread):
    """Past the community's own check: held threads for their author and the moderators,
    hidden (or merged) ones for the moderators only. Others get the 404 of a missing one."""
    if thread.status == Status.PUBLISHED:
        return True
    if can_moderate_thread(user, thread):
        return True
    return (
        thread.status == Status.HELD
        and user.is_authenticated
        and thread.author_id is not None
        and thread.author_id == user.pk
    )


def post_visibility(user, post_status, author_id, *, moderator):
    """What ``user`` sees of a post: "full", "placeholder" (hidden) or None (not at all).

    ``moderator``: whether they moderate the thread's community (asked once per page).
    """
    if post_status == Status.PUBLISHED or moderator:
        return "full"
    if post_status == Status.HIDDEN:
        return "placeholder"
    mine = user.is_authenticated and author_id is not None and author_id == user.pk
    return "full" if mine else None


def check_move_thread(user, thread, to):
    """Moving a thread needs the moderator's right in both communities."""
    check_moderate_thread(user, thread)
    community_permissions.check_see_community(user, to)
    if not community_permissions.can_moderate(user, to):
        raise Forbidden(
            _("You can only move a thread into a community you moderate."), code="not_moderator"
        )
    if to.pk == thread.community_id:
        raise ValidationError({"community": _("The thread is already in this community.")})


def check_merge_thread(user, thread, into):
    check_moderate_thread(user, thread)
    if into.pk == thread.pk:
        raise ValidationError({"into": _("A thread cannot be merged into itself.")})
    community_permissions.check_see_community(user, into.community)
    if not community_permissions.can_moderate(user, into.community):
        raise Forbidden(
            _("You can only merge into a thread of a community you moderate."),
            code="not_moderator",
        )
    if thread.merged_into_id is not None or into.merged_into_id is not None:
        raise ValidationError({"into": _("This thread was already merged into another.")})
    if into.status != Status.PUBLISHED:
        raise ValidationError({"into": _("Merge only into a published thread.")})

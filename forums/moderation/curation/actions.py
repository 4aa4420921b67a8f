"""Curation's write path: highlights, the community's tags, threads' tags, and the
"similar thread opened" signal that deflection counting reads (``deflections``).

Each function asks ``community.permissions``, writes in one transaction locking the
rows it changes, records one ledger entry per thing that happened and publishes its
event after commit (DESIGN.md, "The write path").
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community import activity
from community import permissions as community_permissions
from community.errors import Conflict
from community.models import Community
from community.validators import validate_single_line
from forums.models import Post, Status, Tag, Thread
from forums.moderation.curation import queries
from forums.moderation.curation.models import NOTE_MAX_LENGTH, Highlight
from realtime import publish

MAX_HIGHLIGHTS = 10  # per community: a front page, not a second thread list
MAX_TAGS = 50  # per community
MAX_THREAD_TAGS = 5  # per thread
TAG_NAME_MAX_LENGTH = 40
QUERY_MAX_LENGTH = 200


# --- Highlights ----------------------------------------------------------------------


def _clean_note(note):
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write a short note saying why it is featured.")})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX_LENGTH}}
        )
    validate_single_line(note)
    return note


def _publish_highlight(community, action, highlight_id, thread_id):
    publish.send_event_on_commit(
        f"community:{community.slug}",
        "highlight.changed",
        {
            "community": community.slug,
            "action": action,
            "highlight": highlight_id,
            "thread": thread_id,
        },
    )


def feature(actor, thread, *, post=None, note, position=0):
    """Feature ``thread`` (or its ``post``) on its community's page and on the home page.

    Moderators of the thread's community and staff. The thread must be published
    (not held, hidden or merged away), the post one of its published posts. At most
    ``MAX_HIGHLIGHTS`` per community; the same thread (or post) once.
    """
    community = thread.community
    community_permissions.check_curate(actor, community)
    note = _clean_note(note)
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise ValidationError({"position": _("The position is a whole number.")}) from None
    if not -1000 <= position <= 1000:
        raise ValidationError({"position": _("The position lies between -1000 and 1000.")})
    with transaction.atomic():
        # The community's row serialises featuring there: the count and uniqueness hold.
        Community.objects.select_for_update().filter(pk=community.pk).first()
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if thread.status != Status.PUBLISHED or thread.merged_into_id is not None:
            raise Conflict(_("Only a published thread can be featured."), code="not_published")
        if post is not None:
            post = Post.objects.filter(pk=post.pk, thread=thread).first()
            if post is None or post.status != Status.PUBLISHED or post.deleted_at is not None:
                raise Conflict(
                    _("Only a published post of this thread can be featured."),
                    code="not_published",
                )
        featured = Highlight.objects.filter(thread=thread)
        featured = featured.filter(post=post) if post else featured.filter(post__isnull=True)
        if featured.exists():
            raise Conflict(_("This is already featured."), code="already_featured")
        if Highlight.objects.filter(community=community).count() >= MAX_HIGHLIGHTS:
            raise Conflict(
                _("This community already has %(max)d highlights: remove one first.")
                % {"max": MAX_HIGHLIGHTS},
                code="too_many_highlights",
            )
        highlight = Highlight.objects.create(
            community=community,
            thread=thread,
            post=post,
            note=note,
            created_by=actor,
            position=position,
        )
        _publish_highlight(community, "added", highlight.pk, thread.pk)
        activity.record(
            "highlight.added",
            actor=actor,
            community=community,
            target_user=(post.author_id if post else thread.author_id),
            obj=highlight,
            reason=note,
            after=highlight.snapshot(),
        )
    highlight.thread.community = community
    return highlight


def unfeature(actor, highlight, *, reason=""):
    """Stop featuring ``highlight``: moderators of its community and staff."""
    community = highlight.community
    community_permissions.check_curate(actor, community)
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        locked = Highlight.objects.select_for_update().filter(pk=highlight.pk).first()
        if locked is None:
            raise Conflict(_("This highlight was already removed."), code="already_removed")
        before = locked.snapshot()
        author = (
            Post.objects.filter(pk=locked.post_id).values_list("author_id", flat=True).first()
            if locked.post_id
            else Thread.objects.filter(pk=locked.thread_id)
            .values_list("author_id", flat=True)
            .first()
        )
        activity.record(
            "highlight.removed",
            actor=actor,
            community=community,
            target_user=author,
            obj=locked,
            reason=reason,
            before=before,
        )
        _publish_highlight(community, "removed", locked.pk, locked.thread_id)
        locked.delete()
    return before


# --- The community's tags ----------------------------------------------------------------


def _clean_tag_name(name):
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the tag a name.")})
    if len(name) > TAG_NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("Keep tag names under %(max)d characters.") % {"max": TAG_NAME_MAX_LENGTH}}
        )
    validate_single_line(name)
    return name


def create_tag(actor, community, *, name, slug=""):
    """Add a tag to ``community``'s list (managers and staff), at the end of it.

    ``slug`` (its web address, ``?tag=``) defaults to the name's; it never changes
    afterwards, so links to a filtered list keep working through renames.
    """
    community_permissions.check_manage_tags(actor, community)
    name = _clean_tag_name(name)
    slug = slugify(slug or name)[:40].strip("-")
    if not slug:
        raise ValidationError({"slug": _("Give the tag a web address of letters or digits.")})
    with transaction.atomic():
        queries.tags_changed(community)
        Community.objects.select_for_update().filter(pk=community.pk).first()
        tags = Tag.objects.filter(community=community)
        if tags.count() >= MAX_TAGS:
            raise Conflict(
                _("A community keeps at most %(max)d tags.") % {"max": MAX_TAGS},
                code="too_many_tags",
            )
        if tags.filter(slug=slug).exists():
            raise Conflict(_("This community already has a tag at this address."), code="taken")
        if tags.filter(name__iexact=name).exists():
            raise Conflict(_("This community already has a tag of this name."), code="taken")
        position = (tags.aggregate(last=Max("position"))["last"] or 0) + 1
        tag = Tag.objects.create(community=community, slug=slug, name=name, position=position)
        activity.record(
            "tag.created",
            actor=actor,
            community=community,
            obj=tag,
            after={"slug": tag.slug, "name": tag.name},
        )
    return tag


def rename_tag(actor, tag, *, name):
    """Rename a tag (managers and staff); its slug stays. The same name again: no change."""
    community = tag.community
    community_permissions.check_manage_tags(actor, community)
    name = _clean_tag_name(name)
    with transaction.atomic():
        tag = Tag.objects.select_for_update().get(pk=tag.pk)
        before = tag.name
        if name == before:
            return tag
        if Tag.objects.filter(community=community, name__iexact=name).exclude(pk=tag.pk).exists():
            raise Conflict(_("This community already has a tag of this name."), code="taken")
        tag.name = name
        tag.save(update_fields=["name"])
        activity.record(
            "tag.renamed",
            actor=actor,
            community=community,
            obj=tag,
            before={"name": before},
            after={"name": name},
        )
    return tag


def delete_tag(actor, tag, *, reason=""):
    """Delete a tag from the list and from every thread that has it (managers, staff)."""
    community = tag.community
    community_permissions.check_manage_tags(actor, community)
    with transaction.atomic():
        queries.tags_changed(community)
        locked = Tag.objects.select_for_update().filter(pk=tag.pk).first()
        if locked is None:
            raise Conflict(_("This tag was already deleted."), code="already_deleted")
        threads = Thread.tags.through.objects.filter(tag=locked).count()
        data = {"before": {"slug": locked.slug, "name": locked.name}, "threads": threads}
        if reason:
            data["reason"] = reason.strip()[:500]
        activity.record("tag.deleted", actor=actor, community=community, obj=locked, **data)
        locked.delete()
    return threads


def set_tags(actor, thread, tags):
    """Give ``thread`` exactly ``tags`` (Tags or slugs of its community): moderators.

    Records ``thread.tagged`` with the slugs before and after; the same set again
    records nothing.
    """
    community = thread.community
    community_permissions.check_curate(actor, community)
    wanted = []
    for tag in tags:
        slug = tag.slug if isinstance(tag, Tag) else str(tag)
        if slug not in wanted:
            wanted.append(slug)
    if len(wanted) > MAX_THREAD_TAGS:
        raise ValidationError(
            {"tags": _("A thread takes at most %(max)d tags.") % {"max": MAX_THREAD_TAGS}}
        )
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        found = {t.slug: t for t in Tag.objects.filter(community=community, slug__in=wanted)}
        unknown = [slug for slug in wanted if slug not in found]
        if unknown:
            raise ValidationError(
                {
                    "tags": _("No such tag in this community: %(tags)s.")
                    % {"tags": ", ".join(unknown)}
                }
            )
        before = sorted(thread.tags.values_list("slug", flat=True))
        after = sorted(wanted)
        if before == after:
            return after
        thread.tags.set(found.values())
        activity.record(
            "thread.tagged",
            actor=actor,
            community=community,
            target_user=thread.author_id,
            obj=thread,
            before=before,
            after=after,
        )
    return after


# --- Similar threads -----------------------------------------------------------------------


def record_similar_opened(user, thread, *, query=""):
    """Note that ``user``, typing a new thread's title (``query``), opened ``thread``
    from the similar threads shown under it. ``deflections.count`` reads these."""
    community = thread.community
    if not community_permissions.can_see_community(user, community):
        raise _no_thread()
    community_permissions.check_open_similar(user, community)
    if thread.status != Status.PUBLISHED:
        raise _no_thread()
    query = " ".join(str(query or "").split())[:QUERY_MAX_LENGTH]
    with transaction.atomic():
        return activity.record(
            "similar.opened",
            actor=user,
            community=community,
            obj=thread,
            thread=thread.pk,
            query=query,
        )


def _no_thread():
    from django.http import Http404

    return Http404(_("No thread found."))

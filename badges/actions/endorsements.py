"""Endorsing a fellow member's quality in a community both belong to, and taking it back."""

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from badges import notify, qualities
from badges.actions._common import refuse
from badges.models import Endorsement
from community import activity, permissions, ratelimits
from community.errors import Conflict, Forbidden
from community.validators import MAX_DB_INT
from forums.models import Post


def endorse(actor, target, community, quality_slug, *, post=None):
    """Endorse ``target``'s quality ``quality_slug`` in ``community``: both active members,
    never oneself, once per quality. ``post`` (a Post or its id), the evidence, is one of
    ``target``'s posts in this community that ``actor`` may read."""
    permissions.check_endorse(actor, community, target)
    ratelimits.hit(actor, "endorse", community=community)
    quality = _quality(community, quality_slug)
    evidence = None if post is None else _evidence(actor, target, community, post)
    with transaction.atomic():
        if Endorsement.objects.filter(
            endorser=actor, endorsee=target, community=community, quality=quality
        ).exists():
            raise _already(target, quality)
        try:
            with transaction.atomic():
                endorsement = Endorsement.objects.create(
                    endorser=actor,
                    endorsee=target,
                    community=community,
                    quality=quality,
                    post=evidence,
                )
        except IntegrityError:  # the same endorsement, sent twice at once
            raise _already(target, quality) from None
        endorsement.endorser, endorsement.endorsee = actor, target
        endorsement.community, endorsement.quality = community, quality
        activity.record(
            "endorsement.added",
            actor=actor,
            community=community,
            target_user=target,
            obj=endorsement,
            quality=quality.slug,
            **({"post": evidence.pk} if evidence is not None else {}),
        )
        notify.endorsed(endorsement)
    return endorsement


def withdraw_endorsement(actor, target, community, quality_slug):
    """Take back one's endorsement of ``target``'s quality in ``community`` (Http404 if
    there is none). Possible after leaving the community too: it is one's own."""
    if not actor.is_authenticated:
        raise Forbidden(_("Sign in to take part."), code="not_authenticated")
    permissions.check_see_community(actor, community)
    with transaction.atomic():
        endorsement = (
            Endorsement.objects.select_for_update()
            .filter(
                endorser=actor, endorsee=target, community=community, quality__slug=quality_slug
            )
            .first()
        )
        if endorsement is None:
            raise Http404(_("You have not endorsed this member for this quality."))
        endorsement.delete()
        activity.record(
            "endorsement.withdrawn",
            actor=actor,
            community=community,
            target_user=target,
            quality=quality_slug,
        )


def _quality(community, slug):
    for quality in qualities.for_community(community):
        if quality.slug == slug:
            return quality
    raise refuse(
        "quality",
        _("“%(quality)s” is not one of this community's qualities.") % {"quality": slug},
        "unknown_quality",
    )


def _evidence(actor, target, community, post):
    """The evidence post, or the one refusal for a post that is missing, deleted, someone
    else's, of another community or unreadable (so none tells another community's posts
    from missing ones)."""
    post_id = post.pk if isinstance(post, Post) else post
    # Read again, whatever the caller holds: the post may have been deleted since.
    post = (
        Post.objects.select_related("thread__community").filter(pk=post_id).first()
        if isinstance(post_id, int) and not isinstance(post_id, bool) and 0 < post_id <= MAX_DB_INT
        else None
    )
    if (
        post is None
        or post.deleted_at is not None
        or post.author_id != target.pk
        or post.thread.community_id != community.pk
        or not permissions.can_read(actor, post.thread.community)
    ):
        raise refuse(
            "post",
            _("Point at one of their posts in this community, one you can read."),
            "invalid_post",
        )
    return post


def _already(target, quality):
    return Conflict(
        _("You have already endorsed %(name)s as “%(quality)s”.")
        % {"name": target.username, "quality": qualities.label(quality)},
        code="already_endorsed",
    )

"""Prevention's API: watched words and members' trust."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from community import permissions
from community import queries as community_queries
from community.apitools import Slug
from forums.moderation.prevention import actions, queries
from forums.moderation.prevention.models import WatchedWord

router = Router(tags=["moderation"])


class WordIn(Schema):
    pattern: str
    action: str
    replacement: str = ""
    site_wide: bool = False


class WordOut(Schema):
    id: int
    pattern: str
    action: str
    replacement: str
    site_wide: bool
    created_at: str


class WordPage(Schema):
    items: list[WordOut]


class TrustIn(Schema):
    level: str
    reason: str = ""


class TrustOut(Schema):
    username: str
    level: str
    set_by_hand: bool


def _word(word):
    return {
        "id": word.pk,
        "pattern": word.pattern,
        "action": word.action,
        "replacement": word.replacement,
        "site_wide": word.community_id is None,
        "created_at": word.created_at.isoformat(),
    }


@router.get("/communities/{slug}/watched-words", response=WordPage)
def list_words(request, slug: Slug):
    """The community's watched words and the site-wide ones (its moderators and staff)."""
    community = community_queries.community_for(request.user, slug)
    permissions.check_moderate(request.user, community)
    return {"items": [_word(w) for w in queries.watched_words(community)]}


@router.post("/communities/{slug}/watched-words", response={201: WordOut})
def add_word(request, slug: Slug, payload: WordIn):
    """Add a watched word (managers; ``site_wide``: staff). Invalid patterns: 422."""
    community = community_queries.community_for(request.user, slug)
    word = actions.add_watched_word(
        request.user,
        None if payload.site_wide else community,
        pattern=payload.pattern,
        action=payload.action,
        replacement=payload.replacement,
    )
    return Status(201, _word(word))


@router.delete("/communities/{slug}/watched-words/{word_id}", response={204: None})
def delete_word(request, slug: Slug, word_id: int):
    community = community_queries.community_for(request.user, slug)
    permissions.check_moderate(request.user, community)
    word = WatchedWord.objects.filter(pk=word_id).first()
    if word is None or word.community_id not in (None, community.pk):
        raise Http404(_("No watched word found."))
    actions.remove_watched_word(request.user, word)
    return Status(204, None)


@router.post("/communities/{slug}/members/{username}/trust", response=TrustOut)
def set_trust(request, slug: Slug, username: str, payload: TrustIn):
    """Promote (``trusted``) or demote (``newcomer``) a member (moderators)."""
    community = community_queries.community_for(request.user, slug)
    permissions.check_moderate(request.user, community)
    user = queries.member(community, username)
    row = actions.set_trust(
        request.user, community, user, level=payload.level, reason=payload.reason
    )
    return {"username": user.username, "level": row.level, "set_by_hand": row.set_by_hand}

"""Prevention's screen on the forums' write path (``forums.screening``).

In order: the posting rate (every member), the newcomers' limits (posting rate per
hour, links and images, the first posts held), then the watched words. Moderators,
managers and staff pass untouched.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import ratelimits
from forums import screening
from forums.moderation.prevention import actions, trust, words
from forums.moderation.prevention.models import MemberTrust

IMAGE = re.compile(r"!\[[^\]\n]*\]\(")
LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(|(?<![(<\w])(?:https?://|www\.)", re.IGNORECASE)


def count_links(body):
    """Links in a post's Markdown: ``[text](url)`` and bare URLs (images apart)."""
    return len(LINK.findall(body))


def count_images(body):
    return len(IMAGE.findall(body))


def _refuse(message, code):
    raise ValidationError({"body": ValidationError(message, code=code)})


def screen(draft):
    actor, community = draft.actor, draft.community
    if trust.exempt(actor, community):
        return
    new_message = draft.what in (screening.THREAD, screening.REPLY)
    if new_message:
        ratelimits.hit(actor, "post", community=community)
    policy = trust.policy_of(community)
    if policy is not None and actions.level_of(actor, community) == MemberTrust.Level.NEWCOMER:
        _newcomer(draft, policy, new_message)
    _watched_words(draft)


def _newcomer(draft, policy, new_message):
    if new_message and policy.newcomer_posts_per_hour:
        ratelimits.hit(
            draft.actor,
            "newcomer_post",
            community=draft.community,
            limits=[(policy.newcomer_posts_per_hour, 3600)],
            scope=str(draft.community.pk),
        )
    links, images = count_links(draft.body), count_images(draft.body)
    if links > policy.newcomer_max_links:
        _refuse(
            ngettext(
                "New members may include at most %(n)d link per post here.",
                "New members may include at most %(n)d links per post here.",
                policy.newcomer_max_links,
            )
            % {"n": policy.newcomer_max_links},
            "too_many_links",
        )
    if images > policy.newcomer_max_images:
        _refuse(
            ngettext(
                "New members may include at most %(n)d image per post here.",
                "New members may include at most %(n)d images per post here.",
                policy.newcomer_max_images,
            )
            % {"n": policy.newcomer_max_images},
            "too_many_images",
        )
    if new_message and policy.hold_first_posts:
        from forums.models import Post, Status

        accepted = Post.objects.filter(
            author=draft.actor, thread__community=draft.community, status=Status.PUBLISHED
        ).count()
        if accepted < policy.hold_first_posts:
            draft.hold.append("new_member")


def _watched_words(draft):
    matcher = words.matcher_for(draft.community)
    if matcher.empty:
        return
    text = f"{draft.title}\n{draft.body}" if draft.title else draft.body
    hits = words.check(matcher, text)
    if not hits:
        return
    actions = {hit.rule.action for hit in hits}
    if words.BLOCK in actions:
        blocked = next(hit.rule.pattern for hit in hits if hit.rule.action == words.BLOCK)
        _refuse(
            _("“%(word)s” is not allowed here: please rephrase.") % {"word": blocked},
            "watched_word",
        )
    if words.HOLD in actions and "watched_word" not in draft.hold:
        draft.hold.append("watched_word")
    if words.FLAG in actions and "watched_word" not in draft.flag:
        draft.flag.append("watched_word")
    if words.REPLACE in actions:
        draft.body = words.rewrite(matcher, draft.body)
        if draft.title:
            draft.title = words.rewrite(matcher, draft.title)

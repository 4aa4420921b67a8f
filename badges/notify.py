"""Telling a member about their social value: an in-app notice and a live event.

Each notice is a ``Notice`` row (the achievements page, and the ``achievements``
unread count of ``GET /api/v1/me``) and an event on the member's ``me`` stream,
published once the transaction commits. Only the member is told, and what they are
told is about a community they belong to, or a site-wide badge.
"""

from badges.models import Notice
from realtime import publish


def _badge_event(badge, awarded_at):
    return {
        "badge": badge.slug,
        "name": badge.name,
        "tier": badge.tier,
        "community": badge.community.slug if badge.community_id else None,
        "awarded_at": awarded_at.isoformat(),
    }


def badge_awarded(award):
    """One award, as it happens (by its rule or by hand): a notice and ``badge.awarded``.
    Call inside the transaction that wrote the award."""
    badge = award.badge
    Notice.objects.create(
        user_id=award.user_id,
        kind=Notice.Kind.BADGE,
        badge=badge,
        community_id=badge.community_id,
        data={"reason": award.reason} if award.reason else {},
    )
    publish.send_event_on_commit(
        f"me:{award.user_id}", "badge.awarded", _badge_event(badge, award.awarded_at)
    )


def backfill_summary(user_id, awards):
    """What a backfill found for one member: one notice, one event, however many awards
    (each with its ``badge`` loaded)."""
    awards = sorted(awards, key=lambda award: award.awarded_at)
    if not awards:
        return
    Notice.objects.create(
        user_id=user_id,
        kind=Notice.Kind.SUMMARY,
        data={"badges": [award.badge.slug for award in awards], "count": len(awards)},
    )
    latest = awards[-1]
    publish.send_event_on_commit(
        f"me:{user_id}",
        "badge.awarded",
        {**_badge_event(latest.badge, latest.awarded_at), "count": len(awards)},
    )


def level_changed(user_id, community, before, after, points):
    """``before`` and ``after`` are the level objects of ``badges.levels.standing``."""
    Notice.objects.create(
        user_id=user_id,
        kind=Notice.Kind.LEVEL,
        community=community,
        data={"before": before["name"], "after": after["name"], "rank": after["rank"]},
    )
    publish.send_event_on_commit(
        f"me:{user_id}",
        "level.changed",
        {"community": community.slug, "before": before, "after": after, "points": points},
    )


def endorsed(endorsement):
    Notice.objects.create(
        user_id=endorsement.endorsee_id,
        kind=Notice.Kind.ENDORSEMENT,
        community_id=endorsement.community_id,
        data={
            "quality": endorsement.quality.name,
            "by": endorsement.endorser.username,
            "post": endorsement.post_id,
        },
    )

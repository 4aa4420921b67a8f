"""What each figure counts, by verb name: the KPIs' half of the ledger's contract.

The verbs are declared by the apps that record them (``forums``, ``badges``, ``cms``,
``forums.moderation``); the KPIs name them here and import none of those apps. A test
checks that every verb named here is declared (``tests/community/kpis``), so a renamed
verb fails loudly instead of reading as zero.

Bump ``VERSION`` whenever a definition in ``docs/kpis.md`` changes: every API answer
and every export carries it, so figures computed under different definitions are never
compared unknowingly.
"""

from django.utils.translation import gettext_lazy as _

VERSION = "1"

# Interactions: a member's act of dialogue, by kind. Withdrawals (a reaction removed, a
# vote withdrawn) are not interactions and take nothing back: a past day's figure does
# not change afterwards, nor when a post is later hidden or deleted.
INTERACTIONS = {
    "threads": ("thread.created",),
    "replies": ("post.created",),
    "reactions": ("reaction.added",),
    "idea_votes": ("idea.voted",),
    "poll_answers": ("poll.voted",),
    "endorsements": ("endorsement.added",),
}
INTERACTION_VERBS = tuple(verb for verbs in INTERACTIONS.values() for verb in verbs)
# Posts, for "posts per active member": new threads' opening posts and replies.
POST_VERBS = ("thread.created", "post.created")

# Counted, but not interactions.
COUNTED = {
    "joins": ("membership.joined", "membership.approved"),
    "content_views": ("content.viewed",),
    "code_reveals": ("offer.revealed",),
}

# Membership: the member is in after IN, out after OUT (their last such entry decides).
# A community's creator is its first member: "community.created" names them as target.
MEMBERSHIP_IN = (
    "community.created",
    "membership.joined",
    "membership.approved",
    "membership.unbanned",
)
MEMBERSHIP_OUT = ("membership.left", "membership.removed", "membership.banned")
LEFT = ("membership.left", "membership.removed", "membership.banned")

# Support questions (forums threads of kind "question") and their outcomes.
QUESTION_ASKED = "thread.created"  # with data["kind"] == "question"
QUESTION_KIND = "question"
FIRST_RESPONSE = "post.created"  # with data["first_response"] true
ANSWER_ACCEPTED = "answer.accepted"
# An accepted answer stops being one (replaced, withdrawn, or its post deleted).
ANSWER_CLEARED = "answer.cleared"
DEFLECTION = "similar.opened"
DEFLECTION_POSTED = ("thread.created", "thread.held")

# Ideas.
IDEA_KIND = "idea"
IDEA_VOTED = "idea.voted"
IDEA_STATUS_CHANGED = "idea.status_changed"
IDEA_SHIPPED = "done"  # the "after" status that counts as shipped

# Content.
CONTENT_VIEWED = "content.viewed"
CODE_REVEALED = "offer.revealed"
EVENT_REGISTERED = "event.registered"
EVENT_CANCELLED = "event.cancelled"
EVENT_ATTENDED = "event.attended"
EVENT_ATTENDANCE_CLEARED = "event.attendance_cleared"

# Moderation.
FLAG_CREATED = "flag.created"
FLAG_RESOLVED = ("queue.approved", "queue.rejected")  # with data["kind"] == FLAGGED
FLAGGED = "flagged"
POST_HIDDEN = "post.hidden"

# Social value.
BADGE_AWARDED = ("badge.awarded", "badge.granted")
BADGE_REVOKED = "badge.revoked"
ENDORSED = "endorsement.added"
LEVEL_CHANGED = "level.changed"

# Export entries (declared by community itself).
EXPORTED = "kpis.exported"


def named_verbs():
    """Every verb named above (the test checks each is declared)."""
    names = set(INTERACTION_VERBS) | set(POST_VERBS) | set(MEMBERSHIP_IN) | set(MEMBERSHIP_OUT)
    for verbs in COUNTED.values():
        names |= set(verbs)
    names |= {
        QUESTION_ASKED,
        FIRST_RESPONSE,
        ANSWER_ACCEPTED,
        ANSWER_CLEARED,
        DEFLECTION,
        *DEFLECTION_POSTED,
        IDEA_VOTED,
        IDEA_STATUS_CHANGED,
        CONTENT_VIEWED,
        CODE_REVEALED,
        EVENT_REGISTERED,
        EVENT_CANCELLED,
        EVENT_ATTENDED,
        EVENT_ATTENDANCE_CLEARED,
        FLAG_CREATED,
        *FLAG_RESOLVED,
        POST_HIDDEN,
        *BADGE_AWARDED,
        BADGE_REVOKED,
        ENDORSED,
        LEVEL_CHANGED,
        EXPORTED,
    }
    return names


# The KPIs a goal may target: key -> (label, unit, direction). "higher" goals are met at
# or above the target, "lower" ones at or below. Each is a key of every series point.
GOALS = {
    "interaction_rate": (_("Interaction rate"), "ratio", "higher"),
    "people_talking_about_this": (_("People talking about it (7 days)"), "members", "higher"),
    "interactions": (_("Interactions"), "count", "higher"),
    "new_members": (_("New members"), "members", "higher"),
    "active_members": (_("Active members"), "members", "higher"),
    "first_response_median_seconds": (_("First response, median"), "seconds", "lower"),
    "first_response_p90_seconds": (_("First response, 90th percentile"), "seconds", "lower"),
    "answered_within_target_share": (_("Answered within target"), "share", "higher"),
    "solved_share": (_("Questions solved"), "share", "higher"),
}
GRANULARITIES = ("day", "week", "month")
GRANULARITY_LABELS = {"day": _("day"), "week": _("week"), "month": _("month")}

"""The activity verbs customer care records (declared from ``setup.ready``)."""

from community.activity import Verb

COMMUNITY = "community.community"
THREAD = "forums.thread"

VERBS = (
    Verb(
        "response_policy.changed",
        COMMUNITY,
        ("before", "after"),
        doc="A manager changed the first-response target, hours or responders.",
    ),
    Verb("expert.opted_in", COMMUNITY, (), doc="A member asked to be offered questions live."),
    Verb("expert.opted_out", COMMUNITY, (), doc="A member stopped taking questions live."),
    Verb("duty.started", COMMUNITY, (), doc="A moderator went on duty."),
    Verb("duty.ended", COMMUNITY, (), doc="A moderator went off duty."),
    Verb(
        "question.offered",
        THREAD,
        ("offered_to",),
        doc="A new question was offered live to online experts.",
    ),
    Verb(
        "question.escalated",
        THREAD,
        ("on_duty",),
        doc="Nobody answered by half the target: the on-duty moderators were alerted.",
    ),
    Verb(
        "response.met",
        THREAD,
        ("post", "seconds"),
        doc="A responder answered a question first (seconds: business-hours wait).",
    ),
    Verb(
        "response.breached",
        THREAD,
        ("target_minutes",),
        doc="A question went past its first-response target unanswered.",
    ),
    Verb(
        "alert.raised",
        COMMUNITY,
        ("kind",),
        optional=("thread", "user", "count", "minutes"),
        doc="An alert for the on-duty moderators (flag burst, fast new account).",
    ),
)

"""Customer care's jobs on the moderation clock: escalation, about to breach, breached."""

from forums.moderation.care import actions


def escalations(now):
    for clock in actions.due_clocks(now, field="escalate_at", extra={"escalated_at": None}):
        actions.escalate(clock, now=now)


def breaching(now):
    for clock in actions.due_clocks(now, field="breaching_at", extra={"breaching_sent": False}):
        actions.warn_breaching(clock, now=now)


def breaches(now):
    for clock in actions.due_clocks(now, field="due_at"):
        actions.breach(clock, now=now)


def deadlines(now):
    """One job in a fixed order: a clock past its target breaches without the warning first."""
    breaches(now)
    breaching(now)
    escalations(now)

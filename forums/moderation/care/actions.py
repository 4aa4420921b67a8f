"""Customer care's writes: policy, experts' opt-in, duty, and each question's clock.

People's actions (``set_response_policy``, ``opt_in``/``opt_out``, ``start_duty``/
``end_duty``) check ``community.permissions`` first. The clock's own steps
(``start_clock``, ``record_response``, ``offer``, ``escalate``, ``warn_breaching``,
``breach``, ``raise_alert``) are taken by the platform (receivers and the
background clock), lock the clock's row and re-check its state under the lock,
so a step taken twice at once happens once.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community import activity, expertise, permissions
from community.models import Membership
from forums.models import Status, Thread
from forums.moderation import notices
from forums.moderation.care import online, timer
from forums.moderation.care import policy as policies
from forums.moderation.care.models import Duty, ExpertOptIn, QuestionClock, ResponsePolicy
from realtime import publish

logger = logging.getLogger(__name__)

OFFER_FANOUT = 3  # experts a question is offered to at once


def offer_cooldown():
    """Seconds before the same member is offered another question."""
    return int(getattr(settings, "MODERATION_OFFER_COOLDOWN_MINUTES", 10)) * 60


# --- Policy -----------------------------------------------------------------------

POLICY_FIELDS = (
    "enabled",
    "target_minutes",
    "time_zone",
    "business_hours",
    "responders",
    "responder_min_level",
    "routing_enabled",
)


def _policy_state(policy):
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


def validate_policy(values):
    """Raise ValidationError for a policy that cannot run a clock."""
    errors = {}
    minutes = values.get("target_minutes")
    if minutes is not None and not 1 <= minutes <= 7 * 24 * 60:
        errors["target_minutes"] = _("Choose a target between 1 minute and 7 days.")
    if "time_zone" in values:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(values["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("Unknown time zone.")
    if "business_hours" in values:
        try:
            timer.parse_hours(values["business_hours"])
        except (ValueError, TypeError):
            errors["business_hours"] = _(
                'Give hours per weekday (0 is Monday) as [["09:00", "18:00"]], not overlapping.'
            )
    if values.get("responders") not in (None, *ResponsePolicy.Responders.values):
        errors["responders"] = _("Choose moderators or level.")
    level = values.get("responder_min_level")
    if level is not None and not 0 <= level <= 20:
        errors["responder_min_level"] = _("Choose a level rank between 0 and 20.")
    if errors:
        raise ValidationError(errors)


def set_response_policy(actor, community, **values):
    """Change the community's response policy (managers); one ``response_policy.changed``."""
    permissions.check_configure_response(actor, community)
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Unknown policy fields: {sorted(unknown)}")
    validate_policy(values)
    if "business_hours" in values:
        values["business_hours"] = {
            str(day): [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in intervals]
            for day, intervals in timer.parse_hours(values["business_hours"]).items()
        }
    with transaction.atomic():
        policy, _created = ResponsePolicy.objects.select_for_update().get_or_create(
            community=community
        )
        before = _policy_state(policy)
        for name, value in values.items():
            setattr(policy, name, value)
        after = _policy_state(policy)
        if before == after:
            return policy
        policy.updated_at = timezone.now()
        policy.save()
        changed = [name for name in POLICY_FIELDS if before[name] != after[name]]
        activity.record(
            "response_policy.changed",
            actor=actor,
            community=community,
            obj=community,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    community.response_policy = policy
    return policy


# --- Experts and duty -------------------------------------------------------------


def opt_in(actor, community):
    """Offer ``actor`` the community's new questions live (experts only). Idempotent."""
    permissions.check_expert_opt_in(actor, community)
    try:
        with transaction.atomic():
            ExpertOptIn.objects.create(user=actor, community=community)
            activity.record("expert.opted_in", actor=actor, community=community, obj=community)
    except IntegrityError:
        pass  # already in


def opt_out(actor, community):
    """Stop offering questions to ``actor``; open to anyone (no check beyond seeing it)."""
    permissions.check_see_community(actor, community)
    with transaction.atomic():
        deleted, _rows = ExpertOptIn.objects.filter(user=actor, community=community).delete()
        if deleted:
            activity.record("expert.opted_out", actor=actor, community=community, obj=community)


def is_opted_in(user, community):
    return (
        user.is_authenticated
        and ExpertOptIn.objects.filter(user=user, community=community).exists()
    )


def start_duty(actor, community):
    permissions.check_take_duty(actor, community)
    try:
        with transaction.atomic():
            Duty.objects.create(user=actor, community=community)
            activity.record("duty.started", actor=actor, community=community, obj=community)
    except IntegrityError:
        pass


def end_duty(actor, community):
    permissions.check_see_community(actor, community)
    with transaction.atomic():
        deleted, _rows = Duty.objects.filter(user=actor, community=community).delete()
        if deleted:
            activity.record("duty.ended", actor=actor, community=community, obj=community)


def on_duty(community):
    """The users on duty who may still moderate the community."""
    duties = Duty.objects.filter(community=community).select_related("user")
    return [duty.user for duty in duties if permissions.can_moderate(duty.user, community)]


# --- The clock ----------------------------------------------------------------------


def question_data(clock, thread, now):
    pol = policies.policy_for(clock.community) or ResponsePolicy(community=clock.community)
    state, left, ticking = timer.status(
        state=clock.state,
        due_at=clock.due_at,
        now=now,
        hours=pol.business_hours,
        tz_name=pol.time_zone,
    )
    return {
        "thread": {
            "id": thread.pk,
            "title": thread.title,
            "url": thread.get_absolute_url(),
            "author": thread.author.get_username() if thread.author_id else None,
        },
        "title": thread.title,
        "state": state,
        "seconds_left": left,
        "ticking": ticking,
        "due_at": clock.due_at.isoformat(),
        "created_at": clock.started_at.isoformat(),
        "target_minutes": clock.target_minutes,
        "offered": len(clock.offered_to),
        "escalated": clock.escalated_at is not None,
    }


def _publish(clock, thread, event, now):
    publish.send_event_on_commit(
        f"moderation:{clock.community.slug}", event, question_data(clock, thread, now)
    )


def start_clock(thread, *, now=None):
    """Start the clock of a newly published question; None when its community runs none."""
    if thread.kind != Thread.Kind.QUESTION or thread.status != Status.PUBLISHED:
        return None
    community = thread.community
    pol = policies.policy_for(community)
    if pol is None:
        return None
    now = now or timezone.now()
    seconds = pol.target_minutes * 60

    def at(share):
        return timer.add_open_seconds(now, seconds * share, pol.business_hours, pol.time_zone)

    with transaction.atomic():
        clock, created = QuestionClock.objects.get_or_create(
            thread=thread,
            defaults={
                "community": community,
                "started_at": now,
                "target_minutes": pol.target_minutes,
                "due_at": at(1),
                "breaching_at": at(policies.BREACHING_SHARE),
                "escalate_at": at(policies.ESCALATE_SHARE),
            },
        )
        if created:
            _publish(clock, thread, "question.waiting", now)
    return clock


def record_response(post, *, now=None):
    """Stop the clock if ``post`` is its question's first answer by a responder."""
    thread = post.thread
    if thread.kind != Thread.Kind.QUESTION or post.author_id in (None, thread.author_id):
        return None  # no query for replies that cannot stop a clock
    with transaction.atomic():
        clock = (
            QuestionClock.objects.select_for_update()
            .select_related("community")
            .filter(thread=thread, state__in=["waiting", "breached"])
            .first()
        )
        if clock is None:
            return None
        pol = policies.policy_for(clock.community) or ResponsePolicy(community=clock.community)
        if post.author_id not in policies.responders(clock.community, pol, [post.author_id]):
            return None
        now = now or post.created_at or timezone.now()
        waited = timer.open_seconds(clock.started_at, now, pol.business_hours, pol.time_zone)
        was_breached = clock.state == QuestionClock.State.BREACHED
        clock.responded_at = now
        clock.responder_id = post.author_id
        # A late answer is still a response; the clock keeps that it breached.
        if not was_breached:
            clock.state = QuestionClock.State.MET
        clock.save(update_fields=["responded_at", "responder", "state"])
        activity.record(
            "response.met",
            actor=post.author,
            community=clock.community,
            obj=thread,
            post=post.pk,
            seconds=round(waited),
        )
        shown = QuestionClock(**{f.attname: getattr(clock, f.attname) for f in clock._meta.fields})
        shown.community = clock.community
        shown.state = QuestionClock.State.MET
        _publish(shown, thread, "question.answered", now)
    return clock


def _can_participate(community, now):
    """``community.permissions.can_participate`` of an opt-in's user, as a query: active
    staff, or an active member neither suspended site-wide nor silenced there now."""
    free = Exists(
        Membership.objects.filter(
            community=community,
            user=OuterRef("user_id"),
            state=Membership.State.ACTIVE,
        ).filter(Q(silenced_until__isnull=True) | Q(silenced_until__lte=now))
    )
    not_suspended = Q(user__suspended_until__isnull=True) | Q(user__suspended_until__lte=now)
    staff = Q(user__is_staff=True) | Q(user__is_superuser=True)
    return Q(user__is_active=True) & (staff | (not_suspended & free))


def offer(thread, *, now=None):
    """Offer a new question to up to OFFER_FANOUT online opted-in experts; returns their ids.

    Each expert is offered at most one question per cooldown (claimed atomically in
    the cache, so two questions at once never take the same expert).
    """
    community = thread.community
    pol = policies.policy_for(community)
    if pol is None or not pol.routing_enabled:
        return []
    opted = set(
        ExpertOptIn.objects.filter(community=community)
        .filter(_can_participate(community, now or timezone.now()))
        .values_list("user_id", flat=True)
    )
    opted.discard(thread.author_id)
    if not opted:
        return []
    candidates = online.online(opted & expertise.experts(community))
    if not candidates:
        return []
    ranks = expertise.rank(community, candidates)
    chosen = []
    for pk in sorted(candidates, key=lambda pk: (-ranks.get(pk, 0), pk)):
        if cache.add(f"care:offered:{pk}", thread.pk, offer_cooldown()):
            chosen.append(pk)
            if len(chosen) == OFFER_FANOUT:
                break
    if not chosen:
        return []
    data = {
        "thread": thread.pk,
        "title": thread.title,
        "community": community.slug,
        "url": thread.get_absolute_url(),
    }
    with transaction.atomic():
        clock = QuestionClock.objects.select_for_update().filter(thread=thread).first()
        if clock is not None:
            clock.offered_to = [*clock.offered_to, *chosen]
            clock.save(update_fields=["offered_to"])
        for pk in chosen:
            publish.send_event_on_commit(f"me:{pk}", "question.offered", data)
        activity.record("question.offered", community=community, obj=thread, offered_to=chosen)
    return chosen


def _tell_on_duty(community, text, *, thread=None):
    users = on_duty(community)
    for user in users:
        notices.tell(user, "alert", text, community=community, thread=thread)
    return [user.pk for user in users]


def _locked_open_clock(clock, states=("waiting",)):
    return (
        QuestionClock.objects.select_for_update(of=("self",))
        .select_related("community", "thread", "thread__author")
        .filter(pk=clock.pk, state__in=states)
        .first()
    )


def escalate(clock, *, now):
    """Nobody answered by half the target: alert the on-duty moderators (once)."""
    with transaction.atomic():
        clock = _locked_open_clock(clock)
        if clock is None or clock.escalated_at is not None:
            return None
        clock.escalated_at = now
        clock.save(update_fields=["escalated_at"])
        thread, community = clock.thread, clock.community
        text = _("Nobody has answered “%(title)s” yet: half its target has passed.") % {
            "title": thread.title
        }
        told = _tell_on_duty(community, text, thread=thread)
        activity.record("question.escalated", community=community, obj=thread, on_duty=told)
        publish.send_event_on_commit(
            f"moderation:{community.slug}",
            "alert.raised",
            {"kind": "escalated", "text": text, "thread": question_data(clock, thread, now)},
        )
    return clock


def warn_breaching(clock, *, now):
    """The question is about to breach its target (80 %): tell the moderators once."""
    with transaction.atomic():
        clock = _locked_open_clock(clock)
        if clock is None or clock.breaching_sent:
            return None
        clock.breaching_sent = True
        clock.save(update_fields=["breaching_sent"])
        thread, community = clock.thread, clock.community
        text = _("“%(title)s” is about to miss its first-response target.") % {
            "title": thread.title
        }
        _tell_on_duty(community, text, thread=thread)
        _publish(clock, thread, "response.breaching", now)
    return clock


def breach(clock, *, now):
    """The target passed unanswered: the clock breaches, once."""
    with transaction.atomic():
        clock = _locked_open_clock(clock)
        if clock is None:
            return None
        clock.state = QuestionClock.State.BREACHED
        clock.breached_at = now
        clock.breaching_sent = True
        clock.save(update_fields=["state", "breached_at", "breaching_sent"])
        thread, community = clock.thread, clock.community
        text = _("“%(title)s” missed its first-response target of %(minutes)s minutes.") % {
            "title": thread.title,
            "minutes": clock.target_minutes,
        }
        _tell_on_duty(community, text, thread=thread)
        activity.record(
            "response.breached",
            community=community,
            obj=thread,
            target_minutes=clock.target_minutes,
        )
        _publish(clock, thread, "response.breached", now)
    return clock


def raise_alert(community, kind, text, *, thread=None, user=None, **data):
    """An alert for the community's moderators: the stream, and notices to those on duty."""
    extra = {**data}
    if thread is not None:
        extra["thread"] = thread.pk
    if user is not None:
        extra["user"] = user.pk
    with transaction.atomic():
        _tell_on_duty(community, text, thread=thread)
        activity.record("alert.raised", community=community, obj=community, kind=kind, **extra)
        payload = {"kind": kind, "text": text, **extra}
        if user is not None:
            payload["username"] = user.get_username()
        publish.send_event_on_commit(f"moderation:{community.slug}", "alert.raised", payload)


def due_clocks(now, *, field, extra=None):
    """Waiting clocks whose ``field`` (escalate_at, breaching_at, due_at) has come."""
    return list(
        QuestionClock.objects.filter(state="waiting", **{f"{field}__lte": now}, **(extra or {}))
        .order_by(field)
        .only("pk")[:500]
    )

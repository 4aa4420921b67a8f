"""Badges: creating and editing them, granting and revoking them by hand.

A community's managers manage its badges, site staff the site-wide ones
(``community.permissions.check_manage_badges``). A badge by rule is made from a
template of ``badges.rules`` with its parameters, and awarded by
``badges.awarding``; one granted by hand is given and taken back here, with a
reason kept in the activity ledger.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from badges import awarding, notify, rules
from badges.actions._common import free_slug, refuse, unshowcase
from badges.models import Award, Badge, Showcase
from community import activity, permissions
from community.errors import Conflict
from community.validators import validate_text

Mode = Badge.Mode
EDITABLE = ("name", "description", "icon", "tier", "kind", "params", "is_title", "enabled")
REASON_MAX_LENGTH = 300


def create_badge(
    actor,
    *,
    community=None,
    name,
    description="",
    icon="🏅",
    tier=Badge.Tier.BRONZE,
    kind=None,
    mode=Mode.RULE,
    rule="",
    params=None,
    is_title=False,
    enabled=False,
):
    """Create a badge of ``community`` (its managers) or a site-wide one (``community``
    None: site staff). By rule: ``rule`` is a template of ``badges.rules`` and
    ``params`` its settings (defaults filled in); its kind defaults to the template's.
    By hand (``mode="manual"``): no rule. Enabled at once, a rule badge then goes to
    whoever already qualifies, in the background."""
    permissions.check_manage_badges(actor, community)
    errors = {}
    rule, params, kind = _check_rule(errors, community, mode, rule, params, kind)
    badge = Badge(
        community=community,
        name=(name or "").strip(),
        description=(description or "").strip(),
        icon=(icon or "").strip(),
        tier=tier,
        kind=kind,
        mode=mode,
        rule=rule,
        params=params,
        is_title=bool(is_title),
        enabled=bool(enabled),
        created_by=actor,
    )
    _clean(badge, errors)
    with transaction.atomic():
        _save_with_free_slug(badge)
        activity.record(
            "badge.created",
            actor=actor,
            community=community,
            obj=badge,
            rule=badge.rule,
            mode=badge.mode,
        )
        if badge.enabled and badge.mode == Mode.RULE:
            _award_existing_on_commit(badge)
    return badge


def update_badge(actor, badge, **fields):
    """Change a badge's settings (``EDITABLE``; its scope, mode and rule stay). Enabling
    a rule badge awards it, in the background, to whoever already qualifies; a badge
    that stops being a title is taken off those who wore it."""
    permissions.check_manage_badges(actor, badge.community)
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationError(
            _("These settings cannot be changed: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="not_editable",
        )
    given = badge
    with transaction.atomic():
        badge = (
            Badge.objects.select_for_update(of=("self",))
            .select_related("community")
            .get(pk=badge.pk)
        )
        errors = {}
        changes = {
            name: value.strip() if isinstance(value, str) else value
            for name, value in fields.items()
        }
        if "kind" in changes and changes["kind"] is None:
            del changes["kind"]
        if "params" in changes:
            changes["params"] = _check_params(errors, badge, changes["params"])
        before = {name: getattr(badge, name) for name in changes}
        for name, value in changes.items():
            setattr(badge, name, value)
        _clean(badge, errors)
        changed = [name for name in changes if before[name] != getattr(badge, name)]
        if not changed:
            return badge
        badge.save(update_fields=changed)
        if "is_title" in changed and not badge.is_title:
            Showcase.objects.filter(title=badge).update(title=None)
        activity.record(
            "badge.updated",
            actor=actor,
            community=badge.community,
            obj=badge,
            before={name: before[name] for name in changed},
            after={name: getattr(badge, name) for name in changed},
        )
        if "enabled" in changed and badge.enabled and badge.mode == Mode.RULE:
            _award_existing_on_commit(badge)
    for name in changed:  # the caller's copy too, as ``save()`` would have it
        setattr(given, name, getattr(badge, name))
    return badge


def grant(actor, badge, user, *, reason):
    """Grant a badge by hand (a manual badge, enabled) to ``user``, with the reason kept
    in the activity ledger. A community's badge goes to its active members only."""
    permissions.check_manage_badges(actor, badge.community)
    _check_manual(badge, _("This badge is earned by its rule: it cannot be granted by hand."))
    if not badge.enabled:
        raise Conflict(_("Enable this badge before granting it."), code="badge_disabled")
    reason = _reason(reason)
    if not user.is_active or (
        badge.community_id and not permissions.can_participate(user, badge.community)
    ):
        raise refuse(
            "username",
            _("%(name)s is not an active member of this community.") % {"name": user.username},
            "not_a_member",
        )
    with transaction.atomic():
        if Award.objects.filter(badge=badge, user=user).exists():
            raise _already_held(user)
        try:
            with transaction.atomic():
                award = Award.objects.create(
                    badge=badge,
                    user=user,
                    awarded_at=timezone.now(),
                    granted_by=actor,
                    reason=reason,
                )
        except IntegrityError:  # granted meanwhile, by another request
            raise _already_held(user) from None
        award.badge, award.user = badge, user
        activity.record(
            "badge.granted",
            actor=actor,
            community=badge.community,
            target_user=user,
            obj=award,
            badge=badge.slug,
            reason=reason,
        )
        notify.badge_awarded(award)
    return award


def revoke(actor, badge, user, *, reason):
    """Take back a badge granted by hand, with the reason kept in the activity ledger.
    It leaves the member's title and featured badges too."""
    permissions.check_manage_badges(actor, badge.community)
    _check_manual(badge, _("This badge is earned by its rule: it cannot be revoked by hand."))
    reason = _reason(reason)
    with transaction.atomic():
        award = Award.objects.select_for_update().filter(badge=badge, user=user).first()
        if award is None:
            raise Http404(_("This member does not hold this badge."))
        award.delete()
        unshowcase(user.pk, [badge.pk])
        activity.record(
            "badge.revoked",
            actor=actor,
            community=badge.community,
            target_user=user,
            badge=badge.slug,
            reason=reason,
        )


@task()
def award_existing_later(badge_id):
    """Award a rule badge just enabled to the members who already qualify, each at the
    date they achieved it, with one summary notice per member at most."""
    badge = (
        Badge.objects.select_related("community")
        .filter(pk=badge_id, enabled=True, mode=Mode.RULE)
        .first()
    )
    return 0 if badge is None else awarding.award_existing(badge)


# --- Checks -----------------------------------------------------------------------


def _award_existing_on_commit(badge):
    badge_id = badge.pk
    transaction.on_commit(lambda: award_existing_later.enqueue(badge_id))


def _check_rule(errors, community, mode, rule, params, kind):
    """The rule, its settings and the kind a new badge gets; what is wrong goes to ``errors``."""
    if mode not in Mode.values:
        return rule, {}, kind or Badge.Kind.BADGE  # full_clean names the choices
    if mode == Mode.MANUAL:
        if rule:
            errors["rule"] = [
                ValidationError(_("A badge granted by hand has no rule."), code="manual_rule")
            ]
        if params:
            errors["params"] = [
                ValidationError(
                    _("A badge granted by hand has no rule settings."), code="manual_rule"
                )
            ]
        return "", {}, kind or Badge.Kind.BADGE
    try:
        template = rules.get(rule)
    except KeyError:
        errors["rule"] = [
            ValidationError(_("Choose one of the rule templates."), code="unknown_rule")
        ]
        return rule, {}, kind or Badge.Kind.BADGE
    scope = "site" if community is None else "community"
    if scope not in template.scopes:
        message = (
            _("This rule is for a community's badges, not site-wide ones.")
            if scope == "site"
            else _("This rule is for site-wide badges only.")
        )
        errors["rule"] = [ValidationError(message, code="rule_scope")]
    return rule, _validated_params(errors, template, params), kind or template.kind


def _check_params(errors, badge, params):
    if badge.mode == Mode.MANUAL:
        if params:
            errors["params"] = [
                ValidationError(
                    _("A badge granted by hand has no rule settings."), code="manual_rule"
                )
            ]
        return {}
    try:
        template = rules.get(badge.rule)
    except KeyError:  # a template since retired: its badges keep their settings
        errors["rule"] = [
            ValidationError(_("This badge's rule no longer exists."), code="unknown_rule")
        ]
        return badge.params
    return _validated_params(errors, template, params)


def _validated_params(errors, template, params):
    if params is None:
        params = {}
    if not isinstance(params, dict):
        errors["params"] = [ValidationError(_("Give the rule's settings by name."), code="invalid")]
        return {}
    try:
        return rules.validate_params(template, params)
    except ValidationError as refusal:
        if hasattr(refusal, "error_dict"):
            for key, messages in refusal.error_dict.items():
                errors[key if key == "params" else f"params.{key}"] = messages
        else:
            errors["params"] = refusal.error_list
        return params


def _clean(badge, errors):
    """Validate the badge's fields (choices, lengths, characters) with ``errors`` found
    before; raise them all at once."""
    try:
        badge.full_clean(
            exclude=["slug", "community", "created_by", *errors], validate_unique=False
        )
    except ValidationError as refusal:
        errors.update(refusal.error_dict)
    if errors:
        raise ValidationError(errors)


def _save_with_free_slug(badge):
    """Save a new badge under a short name made from its name, unique site-wide."""
    for _attempt in range(5):
        badge.slug = free_slug(Badge.objects.all(), badge.name, max_length=50, fallback="badge")
        try:
            with transaction.atomic():
                badge.save()
            return
        except IntegrityError:  # another badge took the name meanwhile: ask again
            continue
    raise Conflict(_("Choose another name for this badge."), code="slug_taken")


def _no_settings():
    return ValidationError(_("A badge granted by hand has no rule settings."), code="manual_rule")


def _check_manual(badge, message):
    if badge.mode != Mode.MANUAL:
        raise Conflict(message, code="rule_badge")


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise refuse(
            "reason", _("Say why: the reason is kept in the activity log."), "reason_required"
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise refuse(
            "reason",
            _("At most %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            "too_long",
        )
    try:
        validate_text(reason)
    except ValidationError as refusal:
        raise ValidationError({"reason": refusal}) from None
    return reason


def _already_held(user):
    return Conflict(
        _("%(name)s already holds this badge.") % {"name": user.username}, code="already_held"
    )

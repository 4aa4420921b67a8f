"""Prevention's writes: trust levels, the newcomers' policy, watched words."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from community import activity, permissions
from community.errors import Conflict
from forums.moderation.prevention import trust, words
from forums.moderation.prevention.models import MemberTrust, TrustPolicy, WatchedWord

Level = MemberTrust.Level


def _set_level(actor, community, user, level, *, reason, by_hand):
    with transaction.atomic():
        row, _created = MemberTrust.objects.select_for_update().get_or_create(
            user=user, community=community
        )
        before = Level.NEWCOMER if _created else row.level
        if row.level == level and row.set_by_hand == by_hand and not _created:
            return row
        row.level, row.set_by_hand = level, by_hand
        row.save()
        activity.record(
            "trust.promoted" if level == Level.TRUSTED else "trust.demoted",
            actor=actor,
            community=community,
            target_user=user,
            obj=row,
            reason=reason,
            before=before,
            after=level,
        )
    return row


def set_trust(actor, community, user, *, level, reason=""):
    """A moderator's promotion or demotion of ``user`` in ``community`` (sticks: the
    criteria never undo it)."""
    permissions.check_set_trust(actor, community, user)
    if level not in Level.values:
        raise ValidationError(
            {"level": _("Choose one of: %(k)s.") % {"k": ", ".join(Level.values)}}
        )
    return _set_level(actor, community, user, level, reason=reason, by_hand=True)


def level_of(user, community):
    """``"trusted"`` or ``"newcomer"``: a newcomer who now meets the community's criteria
    is promoted on the way (unless a moderator set them newcomer by hand)."""
    level, met = trust.assess(user, community)
    if met:
        promote_automatically(user, community)
        return Level.TRUSTED
    return level


def promote_automatically(user, community):
    """``user`` met the community's criteria: trusted from now on."""
    return _set_level(None, community, user, Level.TRUSTED, reason="criteria met", by_hand=False)


def update_policy(actor, community, *, reason="", **changes):
    """Change (or create) the community's TrustPolicy (its managers)."""
    permissions.check_manage(actor, community)
    unknown = set(changes) - set(TrustPolicy.FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown setting.") for name in sorted(unknown)})
    with transaction.atomic():
        policy, _created = TrustPolicy.objects.select_for_update().get_or_create(
            community=community
        )
        before = {} if _created else policy.as_dict()
        for name, value in changes.items():
            setattr(policy, name, value)
        policy.full_clean(exclude=["community"])
        policy.save()
        after = policy.as_dict()
        activity.record(
            "trust.policy_changed",
            actor=actor,
            community=community,
            obj=policy,
            before={k: v for k, v in before.items() if after[k] != v} if before else before,
            after={k: v for k, v in after.items() if before.get(k) != v},
            **({"reason": reason} if reason else {}),
        )
        transaction.on_commit(lambda: trust.forget_policy(community))
    trust.forget_policy(community)
    return policy


def add_watched_word(actor, community, *, pattern, action, replacement=""):
    """Add a watched word to ``community``'s list (its managers) or, ``community``
    None, to the site-wide list (staff)."""
    permissions.check_edit_watched_words(actor, community)
    compiled = words.compile_pattern(pattern)
    if action not in WatchedWord.Action.values:
        raise ValidationError(
            {"action": _("Choose one of: %(k)s.") % {"k": ", ".join(WatchedWord.Action.values)}}
        )
    replacement = (replacement or "").strip()
    if action == WatchedWord.Action.REPLACE and not replacement:
        raise ValidationError({"replacement": _("Say what replaces the word.")})
    key = compiled.head + "*" + compiled.tail if compiled.tail else compiled.head
    try:
        with transaction.atomic():
            word = WatchedWord.objects.create(
                community=community,
                pattern=pattern.strip(),
                key=key,
                action=action,
                replacement=replacement[:60] if action == WatchedWord.Action.REPLACE else "",
                created_by=actor,
            )
            activity.record(
                "watched_word.added",
                actor=actor,
                community=community,
                obj=word,
                pattern=word.pattern,
                action=word.action,
                after={"action": word.action, "replacement": word.replacement},
            )
            # Now, for the rest of this transaction, and again once others can read it.
            words.changed()
            transaction.on_commit(words.changed)
    except IntegrityError:
        raise Conflict(_("This word is already watched."), code="duplicate") from None
    return word


def remove_watched_word(actor, word):
    permissions.check_edit_watched_words(actor, word.community)
    with transaction.atomic():
        activity.record(
            "watched_word.removed",
            actor=actor,
            community=word.community,
            obj=word,
            pattern=word.pattern,
            action=word.action,
            before={"action": word.action, "replacement": word.replacement},
        )
        WatchedWord.objects.filter(pk=word.pk).delete()
        words.changed()
        transaction.on_commit(words.changed)

"""Creating a community and changing its settings."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import activity, permissions
from community.actions._common import _announce
from community.errors import Conflict
from community.models import Community, Membership
from realtime import publish

Role = Membership.Role
State = Membership.State


def _validate_choices(**fields):
    choices = {
        "kind": Community.Kind.values,
        "visibility": Community.Visibility.values,
        "join_policy": Community.JoinPolicy.values,
    }
    errors = {
        name: _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices[name])}
        for name, value in fields.items()
        if value is not None and value not in choices[name]
    }
    if errors:
        raise ValidationError(errors)


def create_community(actor, *, slug, name, kind, visibility, join_policy, description=""):
    """Create a community; its creator becomes its first manager. Site staff only."""
    permissions.check_create_community(actor)
    community = Community(
        slug=slug,
        name=name,
        kind=kind,
        visibility=visibility,
        join_policy=join_policy,
        description=description,
        created_by=actor,
    )
    community.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            community.save()
            membership = Membership.objects.create(
                community=community,
                user=actor,
                role=Role.MANAGER,
                state=State.ACTIVE,
                joined_at=timezone.now(),
            )
            # The creator is its first member: the entry names them (target_user), so
            # member counts rebuilt from the ledger include them (community.kpis).
            activity.record(
                "community.created",
                actor=actor,
                community=community,
                target_user=actor,
                obj=community,
            )
            _announce(membership, actor=actor, previous_state=None, previous_role=None)
    except IntegrityError:
        raise Conflict(
            _("A community with the address “%(slug)s” already exists.") % {"slug": slug},
            code="slug_taken",
        ) from None
    return community


def update_community(actor, community, **changes):
    """Change a community's name, description, kind, visibility or join policy. Managers."""
    permissions.check_manage(actor, community)
    allowed = {"name", "description", "kind", "visibility", "join_policy"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    _validate_choices(
        **{k: v for k, v in changes.items() if k in {"kind", "visibility", "join_policy"}}
    )
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        before = {field: getattr(community, field) for field in changes}
        for field, value in changes.items():
            setattr(community, field, value)
        community.full_clean(validate_unique=False)
        community.save(update_fields=[*changes])
        activity.record(
            "community.updated",
            actor=actor,
            community=community,
            obj=community,
            before=before,
            after=changes,
        )
        if "visibility" in changes:
            # Who may read changed: every socket on the community's streams re-checks.
            publish.recheck_community_on_commit(community.slug)
    return community

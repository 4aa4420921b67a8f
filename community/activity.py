"""Appending to the activity ledger that KPIs and moderators read."""

from community.models import Activity


def record(verb, *, actor=None, community=None, target_user=None, obj=None, **data):
    """Append one entry. Call inside the action's transaction."""
    return Activity.objects.create(
        verb=verb,
        actor=actor if actor is not None and actor.is_authenticated else None,
        community=community,
        target_user=target_user,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        data=data,
    )

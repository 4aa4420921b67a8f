"""Kudos: a member thanks another. Its verb, action, receiver, stream event, API and facet."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.html import format_html
from ninja import Field, Router, Schema, Status

from community import activity
from community.apitools import Username
from community.facets import Facet
from community.models import Activity, User
from realtime import publish
from realtime.events import EventType

GIVEN = activity.Verb("kudos.given", None, ("message",), doc="A member thanked another.")
RECEIVED = EventType("kudos.received", "me", ("from", "message"))


def give(actor, user, *, message):
    """The write path: check, write (the ledger entry is the kudos), nothing else."""
    if not actor.is_authenticated or actor.pk == user.pk:
        raise PermissionDenied("Thank someone else.")
    if not message.strip():
        raise ValidationError({"message": "Say what for."})
    with transaction.atomic():
        return activity.record("kudos.given", actor=actor, target_user=user, message=message)


def tell_the_member(entry):
    """A receiver: once committed, the thanked member's sockets hear of it."""
    publish.send_event_on_commit(
        f"me:{entry.target_user_id}",
        "kudos.received",
        {"from": entry.actor.username, "message": entry.data["message"]},
    )


def load(user_ids, community, viewer):
    """One query for every member shown: how many kudos each received."""
    rows = (
        Activity.objects.filter(verb="kudos.given", target_user_id__in=user_ids)
        .values("target_user_id")
        .annotate(count=Count("id"))
    )
    return {row["target_user_id"]: row["count"] for row in rows}


FACET = Facet(
    "kudos",
    load,
    empty=int,
    html=lambda count: format_html('<span class="kudos" title="kudos">🙌 {}</span>', count),
)

router = Router(tags=["kudos"])


class KudosIn(Schema):
    message: str = Field(..., max_length=200)


class KudosOut(Schema):
    id: int
    message: str


@router.post("/members/{username}/kudos", response={201: KudosOut})
def give_kudos(request, username: Username, payload: KudosIn):
    user = get_object_or_404(User, username=username, is_active=True)
    entry = give(request.user, user, message=payload.message)
    return Status(201, {"id": entry.pk, "message": entry.data["message"]})

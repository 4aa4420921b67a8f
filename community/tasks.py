"""Background jobs of the community app (django-tasks: in-process or db_worker)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from community.invitations import invitation_url
from community.models import Invitation


@task()
def send_invitation_email(invitation_id):
    """Mail the invitation link. Does nothing if the invitation was used or revoked since."""
    invitation = (
        Invitation.objects.select_related("community", "invited_by__profile")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return False
    inviter = invitation.invited_by
    language = (inviter.profile.language if inviter else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "invitation": invitation,
            "community": invitation.community,
            "inviter": inviter.profile.name if inviter else settings.BRAND_NAME,
            "url": invitation_url(invitation),
            "brand": settings.BRAND_NAME,
        }
        subject = render_to_string("community/email/invitation_subject.txt", context).strip()
        body = render_to_string("community/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])
    return True

"""Signal receivers that keep accounts, profiles, sessions and sockets in step."""

from allauth.account.signals import password_changed, password_reset, user_signed_up
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from community import actions
from community.kpis import jobs as kpi_jobs
from community.models import ExportJob, Profile, User
from community.preferences import SESSION_LANGUAGE_KEY, remember_time_zone
from community.validators import validate_display_name
from realtime.consumers import session_hash
from realtime.publish import close_user_sockets


@receiver(post_save, sender=User, dispatch_uid="community.create_profile")
def create_profile(sender, instance, created, raw=False, **kwargs):
    """Every account has a profile, however it was created (signup, admin, shell)."""
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


@receiver(post_delete, sender=ExportJob, dispatch_uid="community.export_file")
def delete_export_file(sender, instance, **kwargs):
    """An export's file goes with its row (its requester's account deleted, or purged)."""
    kpi_jobs.delete_file(instance)


@receiver(user_signed_up, dispatch_uid="community.social_display_name")
def fill_display_name(sender, request, user, **kwargs):
    name = getattr(user, "_pending_display_name", "")
    try:
        validate_display_name(name)
    except Exception:  # a provider's name with invisible characters is dropped
        name = ""
    if name and not user.profile.display_name:
        actions.update_profile(user, user, display_name=name)


@receiver(user_logged_in, dispatch_uid="community.session_language")
def remember_language(sender, request, user, **kwargs):
    """Copy the member's language and time zone into the session (the middlewares read them)."""
    language, time_zone = Profile.objects.filter(user=user).values_list(
        "language", "time_zone"
    ).first() or ("", "")
    if request is not None and hasattr(request, "session"):
        if language:
            request.session[SESSION_LANGUAGE_KEY] = language
        remember_time_zone(request, time_zone)


@receiver(post_save, sender=User, dispatch_uid="community.deactivated_sockets")
def close_deactivated_sockets(sender, instance, created, raw=False, **kwargs):
    """A deactivated account keeps no open socket."""
    if not created and not raw and not instance.is_active:
        close_user_sockets(instance.pk)


@receiver(password_changed, dispatch_uid="community.password_changed_sockets")
@receiver(password_reset, dispatch_uid="community.password_reset_sockets")
def close_sockets_on_password_change(sender, request, user, **kwargs):
    """A new password ends every socket; the member's own tabs reconnect with their session."""
    close_user_sockets(user.pk)


@receiver(user_logged_out, dispatch_uid="community.close_sockets")
def close_sockets(sender, request, user, **kwargs):
    """Logging out closes the WebSockets opened with that session (sent before flush)."""
    if user is None or request is None or not hasattr(request, "session"):
        return
    close_user_sockets(user.pk, session_key_hash=session_hash(request.session.session_key))

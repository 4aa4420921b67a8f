"""How allauth creates members here: names checked for look-alikes, a profile filled in."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from community import validators
from community.models import User
from community.sites import brand_site


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        # The brand from settings, not the stored Site row (see community/sites.py):
        # allauth's templates greet with current_site.name.
        super().send_mail(template_prefix, email, {**context, "current_site": brand_site()})

    def clean_username(self, username, shallow=False):
        username = super().clean_username(username, shallow=shallow)
        # Also in shallow mode: usernames generated for social signups must not
        # collide either (the unique index would refuse them with a 500).
        if User.objects.filter(username_skeleton=validators.skeleton(username)).exists():
            raise ValidationError(
                _("This username is too close to an existing one. Please choose another."),
                code="username_confusable",
            )
        return username


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # The display name comes from the provider; the profile is created on save.
        name = " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
        user._pending_display_name = (data.get("name") or name or "")[:60]
        return user

"""The micro-community domain: members, their profiles, communities and memberships.

Models hold fields and field-local properties only. Every change goes through
``community.actions``; every "may X do Y" through ``community.permissions``.
"""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import validators
from community.dates import validate_time_zone

# The longest answer a staff-defined profile field may allow (the column's size).
ProfileFieldValue_MAX = 500


class MemberManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username_skeleton=validators.skeleton(username))


class User(AbstractUser):
    """A person with an account. Names are checked against look-alikes.

    ``username_skeleton`` is the Unicode TR39 skeleton of the username: two
    names that a reader could confuse (``paypal`` / ``paypaI``, Latin ``a`` /
    Cyrillic ``а``, letter case) have the same skeleton, and the unique index
    on it refuses the second one even under a race.
    """

    username = models.CharField(
        _("username"),
        max_length=30,
        unique=True,
        validators=validators.USERNAME_VALIDATORS,
        help_text=_("3 to 30 letters, digits, dots, hyphens or underscores."),
        error_messages={"unique": _("This username is already taken.")},
    )
    username_skeleton = models.CharField(max_length=120, unique=True, editable=False)
    # A site-wide suspension (moderation): read-only everywhere until then.
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=500, blank=True)

    objects = MemberManager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def save(self, *args, **kwargs):
        self.username_skeleton = validators.skeleton(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("profile", args=[self.username])


class Profile(models.Model):
    """What a member shows of themselves. Created with the user (see receivers)."""

    class Language(models.TextChoices):
        BROWSER = "", _("Same as my browser")
        ENGLISH = "en", _("English")
        FRENCH = "fr", _("French")

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True)
    display_name = models.CharField(
        _("display name"), max_length=60, blank=True, validators=[validators.validate_display_name]
    )
    bio = models.TextField(
        _("about me"), max_length=1000, blank=True, validators=[validators.validate_text]
    )
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, blank=True, default=""
    )
    # An IANA name ("America/New_York"); "" follows the site's TIME_ZONE. No choices
    # here: the list depends on the machine's tzdata, not on the schema.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        validators=[validate_time_zone],
    )
    # Consent to the member-level engagement export for the brand's CRM: off until the
    # member turns it on (community.kpis.exports leaves out whoever has not).
    share_with_crm = models.BooleanField(
        _("share my engagement with the brand's customer service"),
        default=False,
        help_text=_(
            "Lets the brand's managers include your username, email address and activity "
            "here (interactions, level, badges) in the exports they load into their "
            "customer records."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.display_name or self.user.username

    @property
    def avatar_url(self):
        return self.avatar.url if self.avatar else ""


class ProfileField(models.Model):
    """A question staff add to every profile ("favourite product", "city")."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=80)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("One choice per line; leave empty for free text.")
    )
    max_length = models.PositiveSmallIntegerField(
        _("maximum length"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(ProfileFieldValue_MAX)],
    )
    is_public = models.BooleanField(_("shown on the profile page"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("profile field")

    def __str__(self):
        return self.label

    @property
    def choice_list(self):
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class ProfileFieldValue(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="field_values")
    field = models.ForeignKey(ProfileField, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=ProfileFieldValue_MAX)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "field"], name="unique_profile_field_value")
        ]

    def __str__(self):
        return f"{self.field}: {self.value}"


class Community(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", _("Discussion")
        SUPPORT = "support", _("Support")
        IDEAS = "ideas", _("Ideas")
        CLUB = "club", _("Club")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can read")
        PRIVATE = "private", _("Private: listed, content for members only")
        HIDDEN = "hidden", _("Hidden: unlisted, members only")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone can join")
        REQUEST = "request", _("On request: moderators approve")
        INVITE = "invite", _("Invitation only")

    slug = models.SlugField(_("web address"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=80, validators=[validators.validate_single_line])
    description = models.TextField(
        _("description"), max_length=2000, blank=True, validators=[validators.validate_text]
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DISCUSSION)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_policy = models.CharField(
        _("join policy"), max_length=16, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Active memberships, kept by community.actions in the transaction of each change
    # (under the community's row lock): every community page shows it, and counting
    # 100,000 memberships per request was most of the page's time.
    member_count = models.PositiveIntegerField(_("members"), default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community", args=[self.slug])


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        MODERATOR = "moderator", _("Moderator")
        MANAGER = "manager", _("Manager")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        ACTIVE = "active", _("Active")
        BANNED = "banned", _("Banned")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    ban_reason = models.CharField(max_length=500, blank=True)
    # A ban with an end date is lifted by the background worker (moderation);
    # a silenced member reads but may not take part until then.
    banned_until = models.DateTimeField(null=True, blank=True)
    silenced_until = models.DateTimeField(null=True, blank=True)
    silence_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="unique_membership")
        ]
        indexes = [
            models.Index(fields=["user", "state"]),
            models.Index(fields=["community", "state", "role"]),
        ]

    def __str__(self):
        return f"{self.user} in {self.community} ({self.role}, {self.state})"

    @property
    def is_active(self):
        return self.state == self.State.ACTIVE

    @property
    def is_staffing(self):
        """Active moderator or manager."""
        return self.is_active and self.role in (self.Role.MODERATOR, self.Role.MANAGER)


class Invitation(models.Model):
    """An invitation by email to join one community: signed, expiring, single use.

    The link carries ``signing.dumps([pk, nonce])``; the nonce stays in the row
    so that revoking (clearing it) or accepting ends the link for good.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    nonce = models.CharField(max_length=32, default="", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(Lower("email"), "community", name="invitation_email_idx")]

    def __str__(self):
        return f"{self.email} to {self.community}"

    @property
    def is_usable(self):
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def status(self):
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiToken(models.Model):
    """A bearer token for integrations. Only its SHA-256 is stored.

    Tokens are 256 random bits, so a fast hash is enough: there is nothing to
    brute-force that a slow hash would protect.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="community_api_tokens")
    name = models.CharField(max_length=80, default="", blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key):
        return hashlib.sha256(key.encode()).hexdigest()


class AppendOnly(Exception):
    """Raised on an attempt to change or delete an entry of a ledger (``AppendOnlyModel``)."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly(self.model.append_only)

    def delete(self):
        raise AppendOnly(self.model.append_only)


class AppendOnlyModel(models.Model):
    """A ledger's entry: written once, never changed nor deleted, through the model or its
    manager (``append_only`` says what to do instead). The activity ledger and the
    reputation ledger (``badges``) are such ledgers."""

    append_only = "This ledger is append-only: entries are never changed nor deleted."

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly(self.append_only)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(self.append_only)


class Activity(AppendOnlyModel):
    """The append-only ledger of what happened, read by KPIs, moderators and receivers.

    Every app's actions append here (``community.activity.record``); KPIs read
    it without importing the apps that wrote it. Entries are never changed nor
    deleted: not through the model, its manager or the admin, and not with their
    community, which cannot be deleted while it has any (communities are kept, not
    deleted). Deleting a member's account keeps their entries, without the name.
    """

    append_only = "The activity ledger is append-only: entries are never changed nor deleted."

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    verb = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    community = models.ForeignKey(Community, on_delete=models.PROTECT, null=True, related_name="+")
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["community", "created_at"]),
            models.Index(fields=["verb", "created_at"]),
            # The KPIs (community.kpis, bench/kpis_report.py): counting a range's entries by
            # member and community from the index alone, without reading the rows...
            models.Index(
                fields=["verb", "created_at", "actor", "community"],
                name="activity_verb_time_actor",
            ),
            # ... and a member's own entries in a community over time (retention).
            models.Index(fields=["actor", "community", "created_at"], name="activity_actor_time"),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self):
        return f"{self.verb} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"


# Models that live with their own topic, imported here so that Django registers them with
# the app: the brand's theme (with its cache and contrast rules) and the KPIs' goals and
# export jobs (community.kpis).
from community.kpis.models import ExportJob, Goal  # noqa: E402, F401
from community.theme import BrandTheme  # noqa: E402, F401

"""Threads and posts: discussions, questions, ideas, polls and announcements.

Fields and field-local properties only; every change goes through
``forums.actions`` and every "may X do Y" through ``forums.permissions`` (on
top of ``community.permissions``, which alone decides visibility).
"""

import html

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from community.models import Community
from community.validators import validate_single_line, validate_text


class Status(models.TextChoices):
    """Whether a thread or a post is shown: moderation's part of the forums' data.

    Held: waiting for a moderator's review (pre-moderation, a watched word); only its
    author and the community's moderators see it, and nothing about it is published.
    Hidden: taken down by a moderator (or by enough flags) pending review; others see
    that something was hidden, not what.
    """

    PUBLISHED = "published", _("Published")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden")


class Tag(models.Model):
    """A label the community's managers keep; moderators put them on threads."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="tags")
    slug = models.SlugField(_("web address"), max_length=40)
    name = models.CharField(_("name"), max_length=40, validators=[validate_single_line])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="unique_tag_slug")
        ]

    def __str__(self):
        return self.name


class Thread(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", _("Discussion")
        QUESTION = "question", _("Question")
        IDEA = "idea", _("Idea")
        POLL = "poll", _("Poll")
        ANNOUNCEMENT = "announcement", _("Announcement")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        LOCKED = "locked", _("Locked")
        CLOSED = "closed", _("Closed")

    class IdeaStatus(models.TextChoices):
        NEW = "new", _("New")
        UNDER_REVIEW = "under_review", _("Under review")
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Declined")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DISCUSSION)
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="threads"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    pinned = models.BooleanField(_("pinned"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    status_reason = models.CharField(max_length=500, blank=True)
    # Set when a moderator merges this thread into another: its page redirects there.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="threads")
    replies_allowed = models.BooleanField(_("replies allowed"), default=True)
    accepted_post = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idea_status = models.CharField(
        max_length=16, choices=IdeaStatus.choices, blank=True, default=""
    )
    idea_status_note = models.TextField(blank=True, max_length=2000, validators=[validate_text])
    # Counters kept by the actions, so that lists need no aggregate per row.
    post_count = models.PositiveIntegerField(default=0)
    vote_count = models.PositiveIntegerField(default=0)
    reaction_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # First reply by someone other than the asker: first-response time KPI.
    first_response_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["community", "-pinned", "-last_activity_at", "-id"], name="thread_latest"
            ),
            models.Index(fields=["community", "-pinned", "-created_at", "-id"], name="thread_new"),
            models.Index(
                fields=["community", "-pinned", "-vote_count", "-reaction_count", "-id"],
                name="thread_top",
            ),
            # The "unanswered" sort: questions with no reply yet, newest first.
            models.Index(
                fields=["community", "-created_at", "-id"],
                condition=Q(kind="question", post_count=1),
                name="thread_unanswered",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("thread", args=[self.community.slug, self.pk])

    @property
    def is_locked(self):
        """No more replies: locked for a while, or closed for good."""
        return self.state != self.State.OPEN

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    @property
    def is_solved(self):
        return self.accepted_post_id is not None

    @property
    def reply_count(self):
        return max(self.post_count - 1, 0)


class Post(models.Model):
    """One message. ``number`` orders a thread's posts: 1 is the opening post.

    Numbers are allocated under the thread's row lock, so within a thread they
    follow commit order without gaps.
    """

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="posts"
    )
    body = models.TextField(validators=[validate_text])
    html = models.TextField()
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    client_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    reaction_counts = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    status_reason = models.CharField(max_length=500, blank=True)
    # Who last held, hid or restored it (a moderator; None for an automatic hold).
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="unique_post_number"),
            # The same client_id twice from one author makes one post (double clicks, retries).
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=~Q(client_id=""),
                name="unique_post_client_id",
            ),
        ]

    def __str__(self):
        return f"#{self.number} in {self.thread_id}"

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    def excerpt(self, length=200):
        """The post's text without markup, cut on a word at about ``length`` characters."""
        text = " ".join(html.unescape(strip_tags(self.html)).split())
        return Truncator(text).chars(length)


class PostRevision(models.Model):
    """An earlier version of a post, kept when it is edited."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    html = models.TextField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"revision of {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        LIKE = "like", _("Like")
        HELPFUL = "helpful", _("Helpful")
        LOVE = "love", _("Love")
        INSIGHTFUL = "insightful", _("Insightful")
        FUNNY = "funny", _("Funny")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="unique_reaction")
        ]

    def __str__(self):
        return f"{self.kind} on {self.post_id}"


class IdeaVote(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="unique_idea_vote")]

    def __str__(self):
        return f"vote on {self.thread_id}"


class Poll(models.Model):
    """The question of a poll thread: its options, single or multiple choice, closing time.

    Results are shown to those who voted, and to everyone once it closes.
    """

    MIN_OPTIONS, MAX_OPTIONS = 2, 20

    thread = models.OneToOneField(
        Thread, on_delete=models.CASCADE, primary_key=True, related_name="poll"
    )
    multiple = models.BooleanField(_("several answers allowed"), default=False)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    voter_count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"poll of {self.thread_id}"

    @property
    def is_closed(self):
        return self.closes_at is not None and self.closes_at <= timezone.now()


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200, validators=[validate_single_line])
    position = models.PositiveSmallIntegerField()
    vote_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.label


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["option", "user"], name="unique_poll_vote")]
        indexes = [models.Index(fields=["poll", "user"])]

    def __str__(self):
        return f"vote for {self.option_id}"


class ReadState(models.Model):
    """How far a member has read a thread: the number of the last post seen."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    last_read_number = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="unique_read_state")]

    def __str__(self):
        return f"{self.user_id} read {self.thread_id} to #{self.last_read_number}"


class Subscription(models.Model):
    """A member watching a thread, or a whole community (exactly one of the two)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "thread"], condition=Q(thread__isnull=False), name="watch_thread"
            ),
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(community__isnull=False),
                name="watch_community",
            ),
            models.CheckConstraint(
                condition=Q(thread__isnull=True) ^ Q(community__isnull=True),
                name="watch_one_thing",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} watches {self.thread_id or self.community_id}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("A reply in a thread I watch")
        MENTION = "mention", _("Someone mentions me")
        QUOTE = "quote", _("Someone replies to my post")
        ACCEPTED = "accepted", _("My answer is accepted")
        IDEA_STATUS = "idea_status", _("An idea I voted for changes status")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id}"


class NotificationSetting(models.Model):
    """How a member wants to hear of one kind of notification by email."""

    class Email(models.TextChoices):
        IMMEDIATE = "immediate", _("At once")
        DIGEST = "digest", _("In a daily digest")
        OFF = "off", _("Never")

    # What a member gets before choosing: mentions and accepted answers at once.
    DEFAULTS = {
        "mention": Email.IMMEDIATE,
        "accepted": Email.IMMEDIATE,
        "reply": Email.DIGEST,
        "quote": Email.DIGEST,
        "idea_status": Email.DIGEST,
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Notification.Kind.choices)
    email = models.CharField(max_length=16, choices=Email.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_setting")
        ]

    def __str__(self):
        return f"{self.user_id}: {self.kind} by email {self.email}"


class PostImage(models.Model):
    """An image uploaded to be shown in posts, re-encoded to WebP and stored outside MEDIA_ROOT.

    It belongs to a community: whoever may read that community may see it, no
    one else (``forums.image_views.serve_image``). ``key`` is random and is the only
    name the image has in URLs and on disk, so a URL cannot be guessed from
    another one. ``post`` is the post it was first used in, when known.
    """

    key = models.CharField(max_length=32, unique=True, editable=False)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="images"
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    byte_size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"], name="post_image_owner_recent")]

    def __str__(self):
        return f"{self.key}.webp"

    def get_absolute_url(self):
        return reverse("post_image", args=[self.key])

    @property
    def path(self):
        """Where the file is in the post images storage: in 256 folders, none grows huge."""
        return f"{self.key[:2]}/{self.key}.webp"

from django.utils.translation import gettext_lazy as _


def ready():
    """Plug curation into the registries (called by ModerationConfig.ready)."""
    from community import activity
    from community.apitools import register_router
    from forums.moderation import nav
    from forums.moderation.curation import streams, verbs  # noqa: F401  (event types)

    activity.declare(*verbs.VERBS)
    register_router("forums.moderation.curation.api.router")
    nav.register(nav.Tab("highlights", _("Highlights"), "moderation_highlights", order=60))
    nav.register(nav.Tab("tags", _("Tags"), "moderation_tags", order=70, managers_only=True))

from django.utils.translation import gettext_lazy as _


def ready():
    """Plug this part into the registries (called by ModerationConfig.ready)."""
    from community import apitools
    from forums import screening
    from forums.moderation import nav
    from forums.moderation.prevention import screens, socket_writes
    from forums.moderation.prevention.verbs import declare_verbs
    from realtime.socket_hooks import register_write

    declare_verbs()
    screening.register(screens.screen)
    register_write("reply", "replied", socket_writes.reply)
    register_write("react", "reacted", socket_writes.react)
    apitools.register_router("forums.moderation.prevention.api.router")
    nav.register(nav.Tab("words", _("Watched words"), "moderation_words", 60, True))
    nav.register(nav.Tab("trust", _("Trust"), "moderation_trust", 50, False))

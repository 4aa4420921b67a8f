def ready():
    """Plug this part into the registries (called by ModerationConfig.ready)."""
    from django.utils.translation import gettext_lazy as _

    from community import activity, apitools
    from forums.moderation import nav
    from forums.moderation.care import clock
    from forums.moderation.sanctions import expiry, receivers
    from forums.moderation.sanctions.verbs import VERBS

    activity.declare(*VERBS)
    activity.connect(receivers.VERBS, receivers.tell_sanctioned)
    apitools.register_router("forums.moderation.sanctions.api.router")
    nav.register(nav.Tab("audit", _("Audit log"), "moderation_audit", order=90))
    # Bans, silences and suspensions that reach their end date: lifted by the clock.
    clock.register(expiry.lift_expired)

def ready():
    """Plug this part into the registries (called by ModerationConfig.ready)."""

"""Plugs the events part of exclusive content into the registries (from CmsConfig.ready())."""


def setup():
    from cms.events import notices, reminders, views
    from cms.models import EventPage, plugins
    from community import apitools, unread
    from forums.moderation.care import clock

    plugins.add_context(EventPage, views.page_context)  # the registration box
    apitools.register_router("cms.events.api.router")
    unread.register("content", notices.unread_count)
    clock.register(reminders.remind)

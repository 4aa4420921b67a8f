"""Plugs the conversation part of exclusive content into the registries (from CmsConfig.ready())."""


def setup():
    from wagtail.signals import page_published

    from cms.conversation import discussion, jobs, receivers, slots
    from cms.models import ContentPage, plugins
    from community import activity, apitools
    from community import slots as page_slots
    from forums.moderation.care import clock

    apitools.register_router("cms.conversation.api.router")
    plugins.add_context(ContentPage, discussion.page_context)  # the latest replies
    page_published.connect(receivers.on_page_published, dispatch_uid="cms.conversation.published")
    activity.connect("content.published", receivers.fan_out, background=True)
    clock.register(jobs.publish_scheduled)
    page_slots.register("main_nav", slots.main_nav)

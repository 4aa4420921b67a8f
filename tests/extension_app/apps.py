from django.apps import AppConfig


class ExtensionAppConfig(AppConfig):
    name = "tests.extension_app"
    label = "extension_app"

    def ready(self):
        from community import activity, apitools, facets
        from realtime import events
        from tests.extension_app import kudos

        activity.declare(kudos.GIVEN)
        activity.connect(kudos.GIVEN.name, kudos.tell_the_member)
        events.declare(kudos.RECEIVED)
        apitools.register_router("tests.extension_app.kudos.router")
        facets.register(kudos.FACET)

"""Plugs the surfaces part of exclusive content into the registries (from CmsConfig.ready())."""

from wagtail import hooks

from community import slots


def setup():
    from cms.models import plugins
    from cms.surfaces import files, serving
    from cms.surfaces import slots as surface_slots

    plugins.serve_with("content", serving.serve_content)
    plugins.serve_with("preview", serving.serve_preview)
    plugins.serve_with("home", serving.serve_home)
    slots.register("main_nav", surface_slots.main_nav)
    # Documents: Wagtail's serve_view asks this hook before streaming the file.
    hooks.register("before_serve_document", files.check_document)

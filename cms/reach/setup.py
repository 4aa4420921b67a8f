"""Plugs the reach part of exclusive content into the registries (from CmsConfig.ready())."""


def setup():
    from cms.models import plugins
    from cms.reach import figures

    plugins.add_panel("reach", figures.figures)  # the admin's Reach tab

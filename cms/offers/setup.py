"""Plugs the offers part of exclusive content into the registries (from CmsConfig.ready())."""


def setup():
    from cms.models import OfferPage, plugins
    from cms.offers import admin, views
    from community.apitools import register_router

    register_router("cms.offers.api.router")
    admin.register_hooks()
    plugins.add_context(OfferPage, views.page_context)  # the code box

"""Plugs the surfaces part of exclusive content into the registries (from CmsConfig.ready())."""


def setup():
    pass

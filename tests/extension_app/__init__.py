"""An app built on the others the way badges, cms and KPIs are: through their registries only.

It declares an activity verb and a receiver, a stream event, an API router and a
member facet, and edits nothing in ``forums/`` or the site package:
``tests/extension_app/test_kudos.py`` drives it. Installed by
``tests/settings_extension.py`` only.
"""

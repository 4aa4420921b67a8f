"""The test settings with one more app: tests/extension_app, built on the registries only.

Used by the "extension points" phase of ./scripts/test (``--ds tests.settings_extension``)
on tests/extension_app/ and tests/test_domain_events.py. The main suite runs without
it, so that the query counts it asserts are the product's own.
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.extension_app"]

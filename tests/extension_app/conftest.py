from django.conf import settings

# These tests need the app installed: only tests.settings_extension installs it.
collect_ignore_glob = [] if "tests.extension_app" in settings.INSTALLED_APPS else ["test_*.py"]

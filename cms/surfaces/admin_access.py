"""A clear refusal on ``/cms/`` for signed-in members who may not use Wagtail's admin.

Wagtail answers them with a redirect to the login page (``WAGTAILADMIN_LOGIN_URL``,
allauth's), which shows a signed-in member the login form again, or sends them back
to ``/cms/`` (a loop) when allauth redirects signed-in users. This middleware
answers 403 with the site's page instead. It stands after ``AuthenticationMiddleware``
and ``MessageMiddleware`` (``settings.MIDDLEWARE``). Visitors who are not signed in
still go to the login page; ``/cms/login/`` and ``/cms/logout/`` are left alone.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

ACCESS_ADMIN = "wagtailadmin.access_admin"


class AdminAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def prefix(self):
        return reverse("wagtailadmin_home")

    @cached_property
    def open_paths(self):
        return (reverse("cms_login"), reverse("wagtailadmin_logout"))

    def __call__(self, request):
        if self.refused(request):
            message = _("Only the site's staff and content editors may use the content admin.")
            return render(request, "403.html", {"exception": message}, status=403)
        return self.get_response(request)

    def refused(self, request):
        path = request.path_info
        if not path.startswith(self.prefix) or path.startswith(self.open_paths):
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return not (user.is_active and user.has_perm(ACCESS_ADMIN))

"""The brand theme in the Django admin: one row, edited in place.

Saved by the admin itself (not through an action): the theme is site
configuration that no event, permission or ledger entry is about.
"""

from django.contrib import admin
from django.shortcuts import redirect

from community.theme import BrandTheme


@admin.register(BrandTheme)
class BrandThemeAdmin(admin.ModelAdmin):
    fields = ["primary", "accent", "logo", "favicon"]

    def has_add_permission(self, request):
        return not BrandTheme.objects.exists()

    def changelist_view(self, request, extra_context=None):
        # One theme: the list would be a page with one link on it.
        theme = BrandTheme.objects.first()
        if theme is None:
            return redirect("admin:community_brandtheme_add")
        return redirect("admin:community_brandtheme_change", theme.pk)

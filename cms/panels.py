"""The admin's tabs for content pages: content, audience, promote, settings, reach."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList, TabbedInterface
from wagtail.models import Page

from cms.forms import ContentPageForm


def tabs(content_panels, audience_panels, base_form_class=ContentPageForm):
    from cms.reach import ReachPanel

    return TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(audience_panels, heading=_("Audience")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
            ObjectList([ReachPanel()], heading=_("Reach")),
        ],
        base_form_class=base_form_class,
    )

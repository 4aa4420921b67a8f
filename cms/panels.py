"""The admin's tabs for content pages: content, audience, promote, settings, reach."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList, Panel, TabbedInterface
from wagtail.models import Page

from cms.forms import ContentPageForm
from cms.models import plugins


class ReachPanel(Panel):
    """Figures of the page being edited (from ``cms.reach``); read-only, no field.

    Content-to-conversation attribution: next to eligible members, views, reveals and
    registrations, the discussion thread the page opened and its replies.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Reach"))
        super().__init__(**kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/admin/reach_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            page = self.instance
            saved = page is not None and page.pk
            context["reach"] = plugins.panel_context("reach", page) if saved else None
            return context


def tabs(content_panels, audience_panels, base_form_class=ContentPageForm):
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

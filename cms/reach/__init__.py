"""The "Reach" tab of a content page in the admin: who it reaches and what they did."""

from wagtail.admin.panels import Panel


class ReachPanel(Panel):
    """Filled in by the reach part (see /tmp/cms-interfaces.md)."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/admin/reach_panel.html"

from django import template

from forums.moderation import nav

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_tabs(context, community, current=""):
    """``{% moderation_tabs community "queue" as tabs %}``: the moderators' tabs."""
    return nav.tabs_for(context["request"].user, community, current)

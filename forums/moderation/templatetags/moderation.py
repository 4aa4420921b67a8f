from django import template
from django.urls import reverse

from forums.moderation import nav

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_tabs(context, community, current=""):
    """``{% moderation_tabs community "queue" as tabs %}``: the moderators' tabs."""
    return nav.tabs_for(context["request"].user, community, current)


@register.filter
def flag_url(target_id, kind):
    """``{{ post.id|flag_url:"post" }}``: where a flag of that post (or thread) goes; the
    live posts' blank copy has ``__ID__`` for its id, filled in by the page's script."""
    url = reverse("flag_post" if kind == "post" else "flag_thread", args=[0])
    return url.replace("/0/", f"/{target_id}/")

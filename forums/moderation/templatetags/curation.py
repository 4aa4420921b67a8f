"""Curation on pages it does not own: highlights on the community and home pages, tags
on thread lists and on the thread page. Each tag costs one query, whatever the rows."""

from django import template

from community import permissions as community_permissions
from forums.moderation.curation import queries

register = template.Library()


@register.simple_tag
def community_highlights(community):
    """``{% community_highlights community as highlights %}``: its highlights, in order."""
    return queries.community_highlights(community)


@register.simple_tag(takes_context=True)
def home_highlights(context):
    """``{% home_highlights as highlights %}``: of the communities the viewer may read."""
    return queries.home_highlights(context["request"].user)


@register.simple_tag
def tag_menu(community, threads):
    """``{% tag_menu community threads as tags %}``: the community's tags, and each
    thread given ``tag_list`` (its own), in one query."""
    return queries.tags_with_threads(community, threads)


@register.simple_tag(takes_context=True)
def thread_curation(context, thread):
    """``{% thread_curation thread as curation %}``: the thread's tags for everyone; for
    its moderators, every tag of the community (the form) and whether they may curate."""
    community = thread.community
    user = context["request"].user
    menu = queries.tags_with_threads(community, [thread])
    return {
        "tags": thread.tag_list,
        "all_tags": menu,
        "can_curate": community_permissions.can_curate(user, community),
        "max_note": 140,
    }


@register.filter
def highlight_url(highlight):
    return queries.highlight_url(highlight)

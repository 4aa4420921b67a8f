"""Moderation on the community's pages (``community.slots``): the way into its tabs."""

from django.template.loader import render_to_string

from community import permissions


def community_links(request, community):
    """For the community's moderators (and staff): a link to the moderators' tabs."""
    if not permissions.can_moderate(request.user, community):
        return ""
    return render_to_string(
        "moderation/_community_links.html", {"community": community}, request=request
    )

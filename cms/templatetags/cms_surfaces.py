"""Template helpers of the content pages (``{% load cms_surfaces %}``)."""

import logging

from django import template
from wagtail.embeds.format import embed_to_frontend_html

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def video_embed(value):
    """The player's HTML for a video block's address, or "" when it cannot be had
    (no network, an unknown provider, a removed video): the block then shows a link.
    Never an error: a provider's failure must not fail the page."""
    url = getattr(value, "url", "") or ""
    if not url:
        return ""
    try:
        return embed_to_frontend_html(url)
    except Exception:
        logger.warning("The video %s could not be embedded.", url, exc_info=True)
        return ""


@register.filter
def kind_label(kind):
    """The name of a kind of content, for a tag in a list."""
    from cms.surfaces.queries import kind_names

    return kind_names().get(kind, "")

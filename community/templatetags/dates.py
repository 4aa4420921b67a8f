"""``{% load dates %}{{ value|when }}``: a moment as ``<time>``, see ``community.dates``."""

from django import template

from community.dates import when_html

register = template.Library()


@register.filter(is_safe=True)
def when(value):
    """``<time datetime="ISO UTC" title="exact">3 minutes ago</time>``; "" for None."""
    return when_html(value)

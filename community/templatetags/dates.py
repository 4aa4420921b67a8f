"""``{% load dates %}{{ value|when }}``: a moment as ``<time>``, see ``community.dates``."""

import json

from django import template

from community.dates import browser_words, when_html

register = template.Library()


@register.filter(is_safe=True)
def when(value):
    """``<time datetime="ISO UTC" title="exact">3 minutes ago</time>``; "" for None."""
    return when_html(value)


@register.simple_tag
def dates_js_words():
    """``community.dates.browser_words()`` as JSON, for dates.js's ``data-words`` attribute."""
    return json.dumps(browser_words(), ensure_ascii=False)

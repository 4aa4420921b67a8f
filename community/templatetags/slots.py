"""``{% load slots %}{% slot "profile" member %}``: what other apps add (``community.slots``)."""

from django import template

from community import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, place, *args):
    request = context.get("request")
    if request is None:
        return ""
    return slots.render(place, request, *args)

"""``{% question_timer thread as q %}``: a question's first-response timer (customer care)."""

from django import template

from forums.moderation.care import queries

register = template.Library()


@register.simple_tag
def question_timer(thread):
    return queries.timer_for(thread)

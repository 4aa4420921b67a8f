"""The demo brand's moderation: a review queue with work in it, and a question ticking.

Théo moderates Support and Product ideas. He is on duty in Support, where a question
has just been asked and waits for its first response (15 minutes' target, the clock
ticks on the waiting tab); in Product ideas, two members flagged a reply and a watched
word held a newcomer's message for review; Support's two requests to join are in its
queue too. Support also keeps tags, and one solved thread is highlighted.

Everything goes through the actions, as moderators would in the pages. Safe to run
again: what exists is left as it is.
"""

from community.models import Community
from forums import actions as forum_actions
from forums.models import Tag, Thread
from forums.moderation.care import actions as care
from forums.moderation.care.models import ResponsePolicy
from forums.moderation.curation import actions as curation
from forums.moderation.curation.models import Highlight
from forums.moderation.prevention import actions as prevention
from forums.moderation.prevention.models import WatchedWord
from forums.moderation.queue import flags as queue_flags
from forums.moderation.queue.models import Flag

TICKING_TITLE = "Ma batterie ne charge plus depuis ce matin"
SPAM = "Cheap bike parts at bestdeals.example, use my referral link!"
HELD = "Get a promo code for Velora bikes at velora-deals.example"
TAGS = ["Freins", "Batterie", "Garantie"]


def seed(admin, people):
    support = Community.objects.get(slug="support")
    ideas = Community.objects.get(slug="ideas")
    theo, manon = people["theo"], people["manon"]
    _curation(manon, theo, support)
    _flags_and_holds(admin, people, ideas)
    _ticking_question(manon, theo, people["bruno"], support)


def _curation(manager, moderator, support):
    for name in TAGS:
        if not Tag.objects.filter(community=support, name=name).exists():
            curation.create_tag(manager, support, name=name)
    brakes = Thread.objects.filter(community=support, title__startswith="Mes freins").first()
    if brakes is None:
        return
    if not brakes.tags.exists():
        curation.set_tags(moderator, brakes, list(Tag.objects.filter(name="Freins")))
    if not Highlight.objects.filter(thread=brakes).exists():
        curation.feature(moderator, brakes, note="La réponse de l'atelier : à lire avant l'hiver.")


def _flags_and_holds(admin, people, ideas):
    david, alice, chloe = people["david"], people["alice"], people["chloe"]
    if not WatchedWord.objects.filter(community=ideas, pattern="promo code").exists():
        prevention.add_watched_word(admin, ideas, pattern="promo code", action="hold")
    rack = "A rear rack that fits child seats"
    thread = Thread.objects.filter(community=ideas, title=rack).first()
    if thread is None or thread.posts.filter(body__in=(SPAM, HELD)).exists():
        return
    spam = forum_actions.reply(david, thread, body=SPAM)
    for flagger, reason in ((alice, "spam"), (chloe, "spam")):
        if not Flag.objects.filter(post=spam, user=flagger).exists():
            queue_flags.flag_post(flagger, spam, reason=reason)
    forum_actions.reply(david, thread, body=HELD)  # held by the watched word


def _ticking_question(manager, moderator, asker, support):
    if not ResponsePolicy.objects.filter(community=support).exists():
        care.set_response_policy(manager, support, target_minutes=15, routing_enabled=True)
    care.start_duty(moderator, support)  # once: on duty already is left as it is
    if not Thread.objects.filter(community=support, title=TICKING_TITLE).exists():
        forum_actions.create_thread(
            asker,
            support,
            kind="question",
            title=TICKING_TITLE,
            body=(
                "Le voyant reste orange et la batterie ne dépasse pas 20 %. "
                "Le chargeur est bien branché. Une idée avant ma sortie de ce soir ?"
            ),
        )

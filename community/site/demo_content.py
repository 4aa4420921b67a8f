"""The demo brand's exclusive content: what marketing publishes in the CMS (/cms/).

- Mia (mia@example.com) is the demo's marketer: in the "Marketing" group, she may
  enter the CMS and write, schedule and publish content, nothing else.
- An article for everyone (the new Trekking, readable signed out);
- an offer for Club Velora (the fans' club) with a pool of unique codes, one per
  member: Chloé has revealed hers, so the Reach tab shows a reveal and codes left;
- an event for the Experts of Support (level rank 3, "Expert", in Entraide & SAV),
  whose discussion opens in that community on publication (Théo answers it);
  support members below Expert see its teaser and how to qualify.

Each page speaks its audience's language, like the communities: the article for
everyone in English, the club's offer and Support's event in French.

Pages are made and published as Mia would in the admin (a revision, then its
publication: the ``page_published`` signal announces them and opens the event's
thread). Safe to run again: a page whose slug exists is left as it is.
"""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.rich_text import RichText

from cms.models import ArticlePage, AudienceRule, ContentHome, EventPage, OfferPage
from community.models import Community

MARKETER = ("mia", "mia@example.com", "Mia Rossi (marketing)", "en", False)
OFFER_CODES = [f"CLUB-{n:04d}" for n in range(1, 51)]
EXPERT_RANK = 3  # "Expert" on the default ladder of Entraide & SAV


def seed(admin, people):
    """Make Mia a marketer and publish the three demo pages (see the module docstring)."""
    home = ContentHome.objects.first()
    if home is None:  # cms's migration makes it; nothing to hang pages on otherwise
        return
    mia = people["mia"]
    mia.groups.add(Group.objects.get(name="Marketing"))
    support = Community.objects.get(slug="support")
    club = Community.objects.get(slug="club")
    now = timezone.now()
    _article(home, mia)
    offer = _offer(home, mia, club, now)
    if offer is not None:
        _reveal(people["chloe"], offer)
    event = _event(home, mia, admin, support, now)
    if event is not None:
        _first_reply(people["theo"], event)


def _exists(home, slug):
    return home.get_children().filter(slug=slug).exists()


def _publish(home, page, marketer, rules=(), owner=None):
    page.audience_rules = [AudienceRule(**rule) for rule in rules]
    page.owner = owner or marketer
    home.add_child(instance=page)
    page.save_revision(user=marketer).publish(user=marketer)
    page.refresh_from_db()
    return page


def _article(home, mia):
    if _exists(home, "the-new-trekking"):
        return None
    body = [
        (
            "text",
            RichText(
                "<p>Three years of rides, a frame 400 g lighter and a battery that lasts "
                "<b>120 km</b>: here is the new Trekking, designed with you in Product ideas.</p>"
            ),
        ),
        ("quote", {"text": "The climbs feel flat.", "source": "Alice, beta rider"}),
        (
            "text",
            RichText(
                "<p>It comes in sage and rust, the two colours you voted for. Test rides "
                "open in every Velora shop next month.</p>"
            ),
        ),
    ]
    return _publish(
        home,
        ArticlePage(
            title="The new Trekking is here",
            slug="the-new-trekking",
            teaser="Lighter, further, in the colours you chose: meet the 2027 Trekking.",
            audience="everyone",
            body=body,
        ),
        mia,
    )


def _offer(home, mia, club, now):
    if _exists(home, "club-winter-service"):
        return None
    from cms.offers import actions as offers

    offer = _publish(
        home,
        OfferPage(
            title="Révision d'hiver : -30 % pour le club",
            slug="club-winter-service",
            teaser="Membres du club : une révision d'hiver à -30 %, un code personnel chacun.",
            audience="chosen",
            description=(
                "<p>Déposez votre Velora chez un revendeur partenaire avant fin février : "
                "chaîne, freins et contrôle de batterie à -30 % avec votre code.</p>"
            ),
            valid_from=now - datetime.timedelta(days=1),
            valid_until=now + datetime.timedelta(days=90),
            code_mode=OfferPage.Codes.UNIQUE,
        ),
        mia,
        rules=[{"kind": "community", "community": club}],
    )
    offers.import_codes(mia, offer, OFFER_CODES)
    return offer


def _reveal(member, offer):
    from cms.offers import actions as offers

    offers.reveal(member, offer)


def _first_reply(moderator, event):
    """Théo answers the event's thread: its Reach tab shows the conversation it started."""
    from forums import actions as forum_actions
    from forums.models import Thread

    thread = Thread.objects.filter(pk=event.discussion_thread_id).first()
    if thread is not None:
        forum_actions.reply(moderator, thread, body="Super initiative, j'y serai !")


def _event(home, mia, admin, support, now):
    if _exists(home, "experts-workshop"):
        return None
    starts = (now + datetime.timedelta(days=21)).replace(hour=17, minute=0, second=0)
    return _publish(
        home,
        EventPage(
            title="Soirée des experts à l'atelier Velora",
            slug="experts-workshop",
            teaser=(
                "Les experts d'Entraide & SAV rencontrent les mécaniciens : une soirée "
                "à l'atelier de Lyon, ou en ligne."
            ),
            audience="chosen",
            description=(
                "<p>Les coulisses de l'atelier : le nouvel outil de diagnostic, les pièces "
                "2027 et un dîner pour remercier celles et ceux qui répondent chaque jour "
                "à la communauté.</p>"
            ),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=3),
            time_zone="Europe/Paris",
            place="Atelier Velora, 12 rue de la Charité, Lyon",
            online_link="https://meet.example.com/velora-experts",
            capacity=25,
            rsvp_deadline=starts - datetime.timedelta(days=2),
            discussion_community=support,
        ),
        mia,
        rules=[{"kind": "level", "community": support, "rank": EXPERT_RANK}],
        # The thread opens in the author's name: the publisher, else the page's owner.
        # Mia is no member of Support; Camille (staff, its creator) is.
        owner=admin,
    )

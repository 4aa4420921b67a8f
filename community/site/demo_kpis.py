"""The demo brand's figures: nine weeks of history and the goals its managers set.

The dashboard (``/kpis/``) reads the activity ledger, and the rest of the demo is
written in one go "now": charts would be one spike. So the members talked over the
past weeks too: questions answered after a few minutes (one late, some solved) in
Support, outings and photos in the club, ideas and votes in Product ideas, and new
members joining along the way. Everything goes through the real actions, each at its
past moment (``_at``: the clock that ``timezone.now`` reads is set back while the
action runs, as if it had happened then), so the ledger is what those days would have
written. Then Manon sets the goals the brand measures itself against.

Safe to run again: once the goals exist, nothing is added.
"""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest import mock

from django.apps import apps
from django.test.utils import override_settings
from django.utils import timezone

from community import actions
from community.kpis import actions as kpi_actions
from community.models import Community, Goal, User
from forums import actions as forums

WEEKS = 9
NEWCOMERS = [
    # username, display name, language, community slug, weeks ago they joined
    ("emma", "Emma Rousseau", "fr", "club", 8),
    ("hugo", "Hugo Petit", "fr", "club", 6),
    ("lea", "Léa Moreau", "fr", "club", 3),
    ("noah", "Noah Wilson", "en", "ideas", 7),
    ("sara", "Sara Jones", "en", "ideas", 4),
]
# Support: (title, body, answer, minutes to the first answer, solved)
QUESTIONS = [
    ("Pneu crevé : quelle chambre à air ?", "Mon Urbano a crevé ce matin.", "Une 700x40C.", 6, 1),
    ("Le moteur coupe en montée", "Il s'arrête dans les côtes.", "Vérifiez le capteur.", 12, 1),
    ("Garantie d'un cadre fissuré", "Une fissure près du pédalier.", "Elle couvre le cadre.", 9, 0),
    ("Régler le dérailleur arrière", "La chaîne saute en 3e.", "Un quart de tour.", 4, 1),
    ("Écran éteint après la pluie", "L'écran ne s'allume plus.", "Séchez le connecteur.", 35, 0),
    ("Pression idéale des pneus", "Combien de bars en ville ?", "Entre 3 et 4 bars.", 7, 1),
    ("Bruit au pédalier", "Un clic à chaque tour.", "Graissez les pédales.", 14, 1),
    ("Clé du cadenas perdue", "Comment obtenir un double ?", "Avec le numéro gravé.", 22, 0),
    ("Batterie qui chauffe", "Elle est tiède en charge.", "C'est normal en charge.", 8, 1),
]
CLUB_TOPICS = [
    ("Sortie du dimanche à Annecy", "Qui vient ? Départ à 9 h.", "Je serai là avec Hugo !"),
    ("Nos plus belles photos", "Partagez vos images du mois.", "Superbe lumière au col."),
    ("Itinéraire vers Vienne", "Une boucle tranquille au bord du Rhône.", "Parfait, merci."),
    ("Pique-nique après la sortie", "Chacun apporte un plat.", "Une tarte aux pommes ici."),
    ("Entretien avant l'hiver", "Vos astuces ?", "Un bon nettoyage à chaque sortie."),
]
IDEAS = [
    ("A bell that sounds nicer", "Something softer than a beep.", "Yes, a real brass bell."),
    ("Lights that follow turns", "Bend lighting, as on cars.", "That would help at night."),
    ("An app widget with range", "Show the battery on the home screen.", "Agreed, very handy."),
    ("A lighter charger", "The charger weighs too much to travel with.", "Seconded."),
]
# (community slug, kpi, granularity, target)
GOALS = [
    ("support", "answered_within_target_share", "week", 0.9),
    ("support", "first_response_median_seconds", "week", 900),
    ("club", "interaction_rate", "month", 0.8),
    ("club", "people_talking_about_this", "week", 3),
    ("ideas", "interaction_rate", "month", 0.8),
    ("ideas", "people_talking_about_this", "week", 3),
]


@contextmanager
def _at(moment):
    """Run what follows as if it were ``moment``: ``timezone.now()`` and the model fields
    whose default is it (``created_at``) read that time."""
    real = timezone.now

    def fake():
        return moment

    fields = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.default is real
    ]

    def use(default):
        for field in fields:
            field.default = default
            field.__dict__.pop("_get_default", None)  # Django caches the default's getter

    with mock.patch.object(timezone, "now", fake):
        use(fake)
        try:
            yield
        finally:
            use(real)


def founding():
    """The communities and their first members date from before the history below, so
    that every week of it has members to divide by."""
    return _at(_moment(WEEKS * 7 + 7, 9))


def _moment(days_ago, hour, minute=0):
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed(admin, people, *, password):
    """Add the past weeks and the goals, once (see the module's docstring)."""
    if Goal.objects.exists():
        return
    communities = {
        c.slug: c for c in Community.objects.filter(slug__in=["support", "club", "ideas"])
    }
    people = dict(people)
    # The weeks are replayed in seconds: the members' rate limits are for real time.
    limits = {action: ["100000/m"] for action in ("post", "react", "endorse", "flag")}
    with override_settings(RATE_LIMITS=limits):
        _newcomers(admin, people, communities, password)
        _support(people, communities["support"])
        _club(people, communities["club"])
        _ideas(people, communities["ideas"])
    manon = people["manon"]
    starts_on = timezone.localdate() - timedelta(weeks=WEEKS)
    for slug, kpi, granularity, target in GOALS:
        kpi_actions.set_goal(manon, communities[slug], kpi, granularity, target, starts_on)


def _newcomers(admin, people, communities, password):
    from allauth.account.models import EmailAddress

    for username, name, language, slug, weeks in NEWCOMERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@example.com")
            user.set_password(password)
            user.save()
            actions.update_profile(user, user, display_name=name, language=language)
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
        people[username] = user
        community = communities[slug]
        with _at(_moment(weeks * 7 + 2, 18)):
            if community.join_policy == Community.JoinPolicy.INVITE:
                invitation = actions.invite(admin, community, email=user.email)
                actions.accept_invitation(user, invitation)
            else:
                actions.join(user, community)


def _support(people, support):
    askers = [people["alice"], people["bruno"]]
    helpers = [people["theo"], people["manon"]]
    for index, (title, body, answer, minutes, solved) in enumerate(QUESTIONS):
        days_ago = (len(QUESTIONS) - 1 - index) * 7 + 3
        asker, helper = askers[index % 2], helpers[index % 2]
        asked = _moment(days_ago, 10, 5 * index % 60)
        with _at(asked):
            thread = forums.create_thread(asker, support, kind="question", title=title, body=body)
        with _at(asked + timedelta(minutes=minutes)):
            post = forums.reply(helper, thread, body=answer)
        with _at(asked + timedelta(minutes=minutes + 30)):
            forums.react(asker, post, kind="helpful")
            if solved:
                forums.accept_answer(asker, thread, post)
            forums.reply(asker, thread, body="Merci beaucoup !")


def _present(people, days_ago):
    """The people of ``people`` who had joined ``days_ago`` days ago (newcomers join late)."""
    joined = {name: weeks * 7 + 2 for name, _n, _l, _s, weeks in NEWCOMERS}
    return [p for p in people if joined.get(p.username, 10_000) > days_ago]


def _club(people, club):
    cast = [people[name] for name in ("manon", "alice", "chloe", "emma", "hugo", "lea")]
    for week in range(WEEKS):
        days_ago = (WEEKS - 1 - week) * 7 + 1
        title, body, answer = CLUB_TOPICS[week % len(CLUB_TOPICS)]
        # Newcomers speak once they have joined: the later weeks have more voices.
        voices = _present(cast, days_ago)
        author = voices[week % len(voices)]
        with _at(_moment(days_ago, 19)):
            thread = forums.create_thread(
                author, club, kind="discussion", title=f"{title} ({week + 1})", body=body
            )
        for turn, person in enumerate(p for p in voices if p != author):
            with _at(_moment(days_ago, 20, 7 * turn)):
                post = forums.reply(person, thread, body=answer)
            with _at(_moment(days_ago, 21, 3 * turn)):
                forums.react(author, post, kind="love" if turn % 2 else "like")


def _ideas(people, ideas):
    cast = [people[name] for name in ("alice", "chloe", "david", "noah", "sara", "theo")]
    for index, (title, body, comment) in enumerate(IDEAS):
        days_ago = (WEEKS - 1 - 2 * index) * 7 + 4
        author = cast[index % len(cast)]
        with _at(_moment(days_ago, 9)):
            thread = forums.create_thread(author, ideas, kind="idea", title=title, body=body)
        voters = [p for p in _present(cast, days_ago) if p != author][: 2 + index]
        for turn, voter in enumerate(voters):
            with _at(_moment(days_ago - turn, 12)):
                forums.vote(voter, thread)
        with _at(_moment(days_ago - 1, 15)):
            post = forums.reply(voters[0], thread, body=comment)
        with _at(_moment(days_ago - 1, 17)):
            forums.react(author, post, kind="like")

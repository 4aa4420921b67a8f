"""Seed the demo brand: communities, people and their roles. Safe to run again."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from community import actions, permissions, theme
from community.models import Community, Membership, ProfileField, User
from community.site import demo_content, demo_kpis, demo_moderation, demo_social

DEMO_PASSWORD = "demo-community-2026"

PEOPLE = [
    # username, email, display name, language, staff
    ("admin", "admin@example.com", "Camille (Velora staff)", "fr", True),
    ("manon", "manon@example.com", "Manon Lefèvre", "fr", False),
    ("theo", "theo@example.com", "Théo Martin", "fr", False),
    ("alice", "alice@example.com", "Alice Smith", "en", False),
    ("bruno", "bruno@example.com", "Bruno Garcia", "fr", False),
    ("chloe", "chloe@example.com", "Chloé Bernard", "fr", False),
    ("david", "david@example.com", "David Chen", "en", False),
    demo_content.MARKETER,  # mia: the Marketing group, the CMS at /cms/
]

COMMUNITIES = [
    {
        "slug": "support",
        "name": "Entraide & SAV",
        "kind": Community.Kind.SUPPORT,
        "visibility": Community.Visibility.PRIVATE,
        "join_policy": Community.JoinPolicy.REQUEST,
        "description": (
            "Vos questions sur votre vélo Velora : réparations, garantie, pièces détachées. "
            "Notre équipe répond en moins de 15 minutes aux heures d'ouverture."
        ),
    },
    {
        "slug": "ideas",
        "name": "Product ideas",
        "kind": Community.Kind.IDEAS,
        "visibility": Community.Visibility.PUBLIC,
        "join_policy": Community.JoinPolicy.OPEN,
        "description": (
            "Tell us what the next Velora should do, vote for the ideas you like and follow "
            "their progress."
        ),
    },
    {
        "slug": "club",
        "name": "Club Velora",
        "kind": Community.Kind.CLUB,
        "visibility": Community.Visibility.HIDDEN,
        "join_policy": Community.JoinPolicy.INVITE,
        "description": (
            "Le club des passionnés : sorties, avant-premières et offres exclusives. "
            "Sur invitation."
        ),
    },
]

# community slug -> {username: role}; the staff creator is each community's manager.
ROLES = {
    "support": {"manon": "manager", "theo": "moderator", "alice": "member", "bruno": "member"},
    "ideas": {
        "manon": "manager",
        "theo": "moderator",
        "alice": "member",
        "chloe": "member",
        "david": "member",
    },
    "club": {"manon": "manager", "alice": "member", "chloe": "member"},
}
PENDING = {"support": ["chloe", "david"]}

# Each community's texts are in its members' language: support and the club in
# French, ideas in English (the brand's international panel). The profile's
# questions are the site's, in English like the site's own words.
PROFILE_FIELDS = [
    ("bike", "Favourite Velora model", "Urbano\nTrekking\nCargo\nRace"),
    ("city", "City", ""),
]


class Command(BaseCommand):
    help = "Create the demo brand's communities and accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even in production (creates a superuser with a public password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not settings.DEMO and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs only with "
                "DJANGO_DEBUG=1 or DJANGO_DEMO=1, or with --force."
            )
        # The demo's addresses are made up: its invitations and notifications mail nobody.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            people = {spec[0]: self._person(*spec) for spec in PEOPLE}
            admin = people["admin"]
            for position, (key, label, choices) in enumerate(PROFILE_FIELDS):
                ProfileField.objects.get_or_create(
                    key=key, defaults={"label": label, "choices": choices, "position": position}
                )
            with demo_kpis.founding():  # weeks ago: the figures' history starts after
                for spec in COMMUNITIES:
                    community = Community.objects.filter(slug=spec["slug"]).first()
                    if community is None:
                        community = actions.create_community(admin, **spec)
                    for username, role in ROLES[spec["slug"]].items():
                        self._member(admin, community, people[username], role)
                    for username in PENDING.get(spec["slug"], []):
                        user = people[username]
                        if permissions.membership_of(user, community) is None:
                            actions.join(user, community)
            self._conversations(people)
            demo_social.seed(admin, people)
            demo_moderation.seed(admin, people)
            demo_content.seed(admin, people)
            demo_kpis.seed(
                admin, people, password=DEMO_PASSWORD
            )  # past weeks and goals: the dashboard's figures
            theme.seed_velora()  # the brand's colours, logo and icon
        # Badges enabled above are awarded once that transaction commits.
        demo_social.showcase_earned(people)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo brand ready: Velora, with 3 communities, their threads, badges and levels, "
                "and moderation at work (theo@example.com: the queue, a question ticking)."
            )
        )
        self.stdout.write(f"Every account's password: {DEMO_PASSWORD}")
        for username, email, name, _lang, staff in PEOPLE:
            what = "site staff" if staff else self._roles(username)
            if username == demo_content.MARKETER[0]:
                what = "marketing: the CMS at /cms/"
            self.stdout.write(f"  {email:<22} {name:<24} {what}")

    def _person(self, username, email, display_name, language, staff):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=email, is_staff=staff, is_superuser=staff)
            user.set_password(DEMO_PASSWORD)
            user.save()
        if not user.profile.display_name:
            actions.update_profile(user, user, display_name=display_name, language=language)
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _member(self, admin, community, user, role):
        membership = permissions.membership_of(user, community)
        if membership is None:
            if community.join_policy == Community.JoinPolicy.INVITE:
                invitation = actions.invite(admin, community, email=user.email)
                actions.accept_invitation(user, invitation)
            else:
                membership = actions.join(user, community)
                if membership.state == Membership.State.PENDING:
                    actions.approve(admin, community, user)
        membership = permissions.membership_of(user, community)
        if membership.state == Membership.State.ACTIVE and membership.role != role:
            actions.set_role(admin, community, user, role=role)

    def _conversations(self, people):
        """Threads of every kind, each in its community's language, once (skipped if any exist)."""
        from datetime import timedelta

        from django.utils import timezone

        from forums import actions as forum_actions
        from forums.models import Thread

        if Thread.objects.exists():
            return
        support, ideas, club = (Community.objects.get(slug=s) for s in ("support", "ideas", "club"))
        ask = forum_actions.create_thread
        brakes = ask(
            people["alice"],
            support,
            kind="question",
            title="Mes freins à disque grincent sous la pluie",
            body="Depuis la semaine dernière, mon **Urbano** grince au freinage sous la pluie. "
            "Les plaquettes ont 6 mois. Puis-je y remédier moi-même ?",
        )
        answer = forum_actions.reply(
            people["theo"],
            brakes,
            body="Bonjour Alice ! Des plaquettes mouillées grincent souvent. Nettoyez le disque "
            "à l'alcool isopropylique, puis rodez de nouveau les plaquettes :\n\n"
            "1. Roulez à 20 km/h\n2. Freinez fort jusqu'à l'allure du pas\n"
            "3. Recommencez dix fois\n\nSi le bruit persiste, passez chez un revendeur Velora.",
        )
        forum_actions.reply(
            people["bruno"], brakes, body="Pareil chez moi, l'astuce de l'alcool a marché !"
        )
        forum_actions.react(people["alice"], answer, kind="helpful")
        forum_actions.react(people["bruno"], answer, kind="helpful")
        forum_actions.accept_answer(people["alice"], brakes, answer)
        batterie = ask(
            people["bruno"],
            support,
            kind="question",
            title="Autonomie de la batterie en baisse en hiver ?",
            body="Mon Trekking perd environ 30 % d'autonomie depuis qu'il fait froid. "
            "Est-ce normal ou dois-je faire changer la batterie ?",
        )
        forum_actions.reply(
            people["manon"],
            batterie,
            body="Bonjour Bruno, c'est normal : sous 5 °C la chimie lithium-ion rend moins "
            "d'énergie. Rangez la batterie au chaud et chargez-la à température ambiante. "
            "@alice, vous aviez le même souci l'an dernier ?",
        )
        ask(
            people["alice"],
            support,
            kind="question",
            title="Mise à jour du firmware bloquée à 80 %",
            body="L'appli affiche 80 % depuis dix minutes. Puis-je débrancher le vélo ?",
        )

        dark = ask(
            people["chloe"],
            ideas,
            kind="idea",
            title="Dark mode for the app",
            body="The screen is dazzling at night. A dark mode, please!",
        )
        for voter in ("alice", "david", "theo"):
            forum_actions.vote(people[voter], dark)
        forum_actions.set_idea_status(
            people["manon"], dark, status="planned", note="Planned for version 3.2 (March)."
        )
        rack = ask(
            people["david"],
            ideas,
            kind="idea",
            title="A rear rack that fits child seats",
            body="The current rack is too short for most child seats.",
        )
        forum_actions.vote(people["chloe"], rack)
        forum_actions.set_idea_status(people["manon"], rack, status="under_review")
        ask(
            people["alice"],
            ideas,
            kind="discussion",
            title="Which colours for 2027?",
            body="| Colour | Why |\n| --- | --- |\n| Sage | calm |\n| Rust | bold |",
        )

        ask(
            people["manon"],
            club,
            kind="announcement",
            title="Bienvenue au Club Velora !",
            body="Sorties mensuelles, avant-premières et offres réservées aux membres. "
            "Présentez-vous en répondant ici !",
        )
        sortie = ask(
            people["manon"],
            club,
            kind="poll",
            title="Prochaine sortie : quel samedi ?",
            body="Boucle de 40 km au départ de Lyon, café offert.",
            poll={
                "options": ["14 décembre", "21 décembre", "11 janvier"],
                "multiple": True,
                "closes_at": timezone.now() + timedelta(days=14),
            },
        )
        options = list(sortie.poll.options.values_list("pk", flat=True))
        forum_actions.vote_poll(people["alice"], sortie, options[:2])
        forum_actions.vote_poll(people["chloe"], sortie, [options[1]])
        ask(
            people["chloe"],
            club,
            kind="discussion",
            title="Photos de la sortie d'octobre",
            body="Quelle journée ! Merci à tous pour la bonne humeur.",
        )

    def _roles(self, username):
        roles = [
            f"{role} of {slug}"
            for slug, people in ROLES.items()
            for name, role in people.items()
            if name == username
        ]
        roles += [f"pending in {slug}" for slug, names in PENDING.items() if username in names]
        return ", ".join(roles)

"""The demo brand's social value: badges and traits earned by rule, badges granted by hand,
a ladder of its own for the club, endorsements and showcases.

Everything goes through ``badges.actions``, as a manager would in the pages: rule badges
are created, then enabled, which awards those who already qualify with the date they
did (one summary notice each). Points and levels come from the conversations that
``seed_demo`` writes first, through the reputation receivers. Safe to run again: a badge
that exists is left as it is.
"""

from badges import actions as badges
from badges.models import Award, Badge, Endorsement
from community.models import Community
from forums import actions as forum_actions
from forums.models import Post

# name, community slug (None: site-wide), rule, params, tier, icon, worn as a title
RULE_BADGES = [
    ("First steps", None, "first_post", {}, "bronze", "👣", False),
    ("Crowd pleaser", "support", "post_reactions", {"n": 2}, "silver", "👏", False),
    ("Problem solver", "support", "accepted_answers", {"n": 1}, "silver", "🔧", True),
    ("Welcome committee", "support", "newcomer_first_replies", {"n": 1}, "gold", "🤝", True),
    ("Idea maker", "ideas", "idea_planned", {}, "gold", "💡", True),
    # Traits: quirks, celebrated. (Site-wide ones read public communities only: the demo's
    # one public community leaves the globe-trotter to be earned.)
    ("Globe-trotter", None, "globe_trotter", {"communities": 2}, "silver", "🧭", False),
    ("Perfectionist", "support", "perfectionist", {"edits": 1}, "bronze", "✏️", False),
    ("Night owl", None, "night_owl", {"min_posts": 1, "share": 50}, "bronze", "🦉", False),
]
# name, community slug, tier, icon, description, holder, reason
MANUAL_BADGES = [
    (
        "Ambassador",
        None,
        "gold",
        "🌟",
        "Represents Velora at rides and fairs.",
        "alice",
        "Organised the spring ride in Lyon.",
    ),
    (
        "Beta tester",
        "club",
        "silver",
        "🧪",
        "Rode the next Velora before anyone else.",
        "chloe",
        "Tested the 2027 Cargo prototype.",
    ),
]
CLUB_LADDER = [("Rouleur", 0), ("Grimpeur", 10), ("Baroudeur", 40), ("Légende", 150)]
# endorser, endorsee, community slug, quality slug
ENDORSEMENTS = [
    ("alice", "theo", "support", "helpful"),
    ("bruno", "theo", "support", "clear"),
    ("alice", "manon", "support", "kind"),
    ("chloe", "alice", "club", "kind"),
    ("david", "chloe", "ideas", "expert"),
]


def seed(admin, people):
    """Give the demo its social value, once (see the module's docstring)."""
    if Badge.objects.exists():
        return
    communities = {
        c.slug: c for c in Community.objects.filter(slug__in=["support", "ideas", "club"])
    }
    # A quirk to celebrate: Théo polishes his answers.
    answer = Post.objects.filter(author=people["theo"], thread__community__slug="support").first()
    if answer is not None:
        forum_actions.edit_post(people["theo"], answer, body=answer.body + "\n\nBonne route !")
    badges.set_levels(admin, communities["club"], CLUB_LADDER)
    for name, slug, rule, params, tier, icon, title in RULE_BADGES:
        badge = badges.create_badge(
            admin,
            community=communities.get(slug),
            name=name,
            rule=rule,
            params=params,
            tier=tier,
            icon=icon,
            is_title=title,
        )
        badges.update_badge(admin, badge, enabled=True)
    for name, slug, tier, icon, description, holder, reason in MANUAL_BADGES:
        badge = badges.create_badge(
            admin,
            community=communities.get(slug),
            name=name,
            mode="manual",
            tier=tier,
            icon=icon,
            description=description,
            is_title=True,
            enabled=True,
        )
        badges.grant(admin, badge, people[holder], reason=reason)
    for endorser, endorsee, slug, quality in ENDORSEMENTS:
        if not Endorsement.objects.filter(
            endorser=people[endorser], endorsee=people[endorsee], quality__slug=quality
        ).exists():
            badges.endorse(people[endorser], people[endorsee], communities[slug], quality)
    ambassador = Badge.objects.get(slug="ambassador")
    badges.update_showcase(
        people["alice"],
        motto="20 km à vélo chaque jour, qu'il pleuve ou qu'il vente.",
        title=ambassador,
        featured=[ambassador],
    )


def showcase_earned(people):
    """After the awards land (they are written once the seed commits): Théo wears his
    title and features what he earned."""
    theo = people["theo"]
    held = [award.badge for award in Award.objects.filter(user=theo).select_related("badge")]
    titles = [badge for badge in held if badge.is_title]
    if held:
        badges.update_showcase(
            theo,
            motto="Mécanicien Velora depuis 2019.",
            title=titles[0] if titles else None,
            featured=held[:3],
        )

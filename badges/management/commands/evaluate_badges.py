"""``manage.py evaluate_badges [--community SLUG] [--dry-run]``: the backfill of rule badges.

Awards every enabled rule badge to the members who qualify, each at the date they
achieved it, with one summary notice per member (``badges.awarding.backfill``).
Running it again only adds what is missing. ``--dry-run`` counts who would get what
and writes nothing (``-v 2`` also lists the first members of each badge).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from badges import awarding
from community.models import Community


class Command(BaseCommand):
    help = (
        "Award the enabled rule badges to every member who qualifies, at the real date "
        "they did, with one summary notice per member. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--community", metavar="SLUG", help="Only this community's badges (default: all)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count who would get what; write nothing."
        )

    def handle(self, *args, community=None, dry_run=False, **options):
        scope = None
        if community is not None:
            scope = Community.objects.filter(slug=community).first()
            if scope is None:
                raise CommandError(f"No community with the slug {community!r}.")
        badges = awarding.rule_badges(community=scope)
        where = f"community {scope.slug}" if scope else "all communities and site-wide"
        if not badges:
            self.stdout.write(f"No enabled rule badge ({where}).")
            return
        verb = "would award" if dry_run else "awarded"
        self.stdout.write(f"{'Dry run: ' if dry_run else ''}{len(badges)} rule badge(s), {where}.")
        started = time.perf_counter()
        timings = {}
        result = awarding.backfill(
            dry_run=dry_run,
            badges=badges,
            on_badge=lambda badge, count, seconds: timings.__setitem__(badge.pk, seconds),
        )
        elapsed = time.perf_counter() - started
        for badge in badges:
            count = result["badges"].get(badge.slug, 0)
            place = badge.community.slug if badge.community_id else "site-wide"
            took = f" in {timings[badge.pk]:.2f} s" if badge.pk in timings else ""
            self.stdout.write(f"  {badge.slug} ({badge.rule}, {place}): {verb} {count}{took}")
            if dry_run and options["verbosity"] > 1 and count:
                for member in awarding.preview(badge)["members"]:
                    self.stdout.write(
                        f"    {member['username']} since {member['achieved_at']:%Y-%m-%d %H:%M}"
                    )
        total = sum(result["badges"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Would award' if dry_run else 'Awarded'} {total} badge(s) to "
                f"{result['members']} member(s) in {elapsed:.2f} s."
                + ("" if dry_run else f" {result['members']} summary notice(s) sent.")
            )
        )

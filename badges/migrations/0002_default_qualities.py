"""Give every existing community the default qualities to endorse (``badges.qualities``).

Names are stored as their English message ids, as ``badges.qualities.create_defaults``
does: they are shown translated for as long as nobody renames them.
"""

from django.db import migrations

# A copy of badges.qualities.DEFAULTS as it was: a migration must not follow later edits.
DEFAULTS = (
    ("helpful", "Helpful"),
    ("clear", "Clear explainer"),
    ("kind", "Kind"),
    ("expert", "Expert"),
)


def create_default_qualities(apps, schema_editor):
    Community = apps.get_model("community", "Community")
    Quality = apps.get_model("badges", "Quality")
    with_qualities = Quality.objects.values("community_id")
    Quality.objects.bulk_create(
        [
            Quality(community_id=community_id, slug=slug, name=name, position=position)
            for community_id in Community.objects.exclude(pk__in=with_qualities).values_list(
                "pk", flat=True
            )
            for position, (slug, name) in enumerate(DEFAULTS)
        ],
        batch_size=500,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0001_social_value"),
    ]

    operations = [
        migrations.RunPython(create_default_qualities, migrations.RunPython.noop),
    ]

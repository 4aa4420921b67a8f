"""Keep each community's count of active members on its row (``Community.member_count``)."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_members(apps, schema_editor):
    """Set the count of every existing community from its memberships, in one UPDATE."""
    Community = apps.get_model("community", "Community")
    Membership = apps.get_model("community", "Membership")
    active = (
        Membership.objects.filter(community=OuterRef("pk"), state="active")
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Community.objects.update(member_count=Coalesce(Subquery(active), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_brand_theme"),
    ]

    operations = [
        migrations.AddField(
            model_name="community",
            name="member_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="members"),
        ),
        migrations.RunPython(count_members, migrations.RunPython.noop, elidable=True),
    ]

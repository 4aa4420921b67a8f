"""The content home as the Wagtail site's root, and the Marketing group of editors.

- Wagtail's first migration makes a placeholder home page ("Welcome to your new
  Wagtail site!") and two groups, "Editors" and "Moderators", allowed into the
  admin. The placeholder gives way to the content home (served at ``/content/``);
  the two groups lose admin access (our moderators are community moderators, who
  never see the CMS), and are deleted when nobody is in them.
- "Marketing" may enter the admin, add, edit, publish, lock and delete content
  under the content home, and add, edit and choose images and documents.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STEPS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PAGE_PERMISSIONS = (
    "add_page",
    "change_page",
    "publish_page",
    "lock_page",
    "unlock_page",
    "bulk_delete_page",
)
# Wagtail checks the permissions of its own models for custom image and document
# models (their permission policies' ``auth_model``), not those of cms's.
MEDIA_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)


def _next_child_path(parent, children):
    last = children.order_by("-path").values_list("path", flat=True).first()
    if last is None:
        return parent.path + "0001"
    step, number = last[-4:], 0
    for char in step:
        number = number * 36 + STEPS.index(char)
    number += 1
    encoded = ""
    for _ in range(4):
        number, digit = divmod(number, 36)
        encoded = STEPS[digit] + encoded
    return parent.path + encoded


def content_home(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    ContentHome = apps.get_model("cms", "ContentHome")
    root = Page.objects.filter(depth=1).first()
    if root is None or ContentHome.objects.exists():
        return
    page_type = ContentType.objects.get_for_model(Page)
    placeholder = Page.objects.filter(
        depth=2, content_type=page_type, numchild=0, url_path="/home/"
    ).first()
    if placeholder is not None:
        Site.objects.filter(root_page=placeholder).delete()
        placeholder.delete()
        root.numchild = Page.objects.filter(depth=2).count()
    children = Page.objects.filter(depth=2, path__startswith=root.path)
    Locale = apps.get_model("wagtailcore", "Locale")
    locale_id = root.locale_id or Locale.objects.values_list("pk", flat=True).first()
    home_type, _ = ContentType.objects.get_or_create(app_label="cms", model="contenthome")
    home = ContentHome.objects.create(
        title="Exclusive content",
        draft_title="Exclusive content",
        slug="content",
        content_type=home_type,
        path=_next_child_path(root, children),
        depth=2,
        numchild=0,
        url_path="/content/",
        live=True,
        intro="",
        locale_id=locale_id,
    )
    root.numchild += 1
    root.save(update_fields=["numchild"])
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    else:
        site.root_page = home
        site.save(update_fields=["root_page"])


def marketing(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    Collection = apps.get_model("wagtailcore", "Collection")
    ContentHome = apps.get_model("cms", "ContentHome")
    # The cms models' permissions are made after migrations: make them now.
    config = apps.get_app_config("cms")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)

    access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    for name in ("Editors", "Moderators"):
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        if group.user_set.exists():
            group.permissions.remove(access)
        else:
            group.delete()

    group, _ = Group.objects.get_or_create(name="Marketing")
    group.permissions.add(access)
    home = ContentHome.objects.first()
    if home is not None:
        for codename in PAGE_PERMISSIONS:
            permission = Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            )
            GroupPagePermission.objects.get_or_create(
                group=group, page_id=home.pk, permission=permission
            )
    collection = Collection.objects.filter(depth=1).first()
    if collection is not None:
        for app_label, codename in MEDIA_PERMISSIONS:
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=permission
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_content"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [
        migrations.RunPython(content_home, migrations.RunPython.noop),
        migrations.RunPython(marketing, migrations.RunPython.noop),
    ]

"""Every mail names the brand (BRAND_NAME), never Django's default site "example.com"."""

import pytest
from django.contrib.sites.models import Site
from django.test import override_settings

from community import sites
from forums import actions, notification_mail

BRAND = "Velora"


def assert_branded(message):
    text = message.subject + "\n" + message.body
    assert BRAND in message.subject, message.subject
    assert BRAND in message.body, message.body
    assert "example.com" not in text, text


@pytest.fixture
def stale_site(db):
    """The row as a database migrated before the brand was set (or under another name) has it."""
    Site.objects.update_or_create(pk=1, defaults={"domain": "example.com", "name": "example.com"})
    Site.objects.clear_cache()


@pytest.mark.django_db
def test_allauth_mails_name_the_brand_even_with_a_stale_site_row(client, stale_site, mailoutbox):
    client.post(
        "/accounts/signup/",
        {
            "email": "ana@velora.test",
            "username": "ana",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    client.post("/accounts/password/reset/", {"email": "ana@velora.test"})
    assert len(mailoutbox) == 2
    for message in mailoutbox:
        assert_branded(message)
        assert f"Hello from {BRAND}!" in message.body


@pytest.mark.django_db
@override_settings(BRAND_NAME="Cyclo", SITE_URL="https://community.cyclo.test")
def test_migrate_keeps_the_site_row_in_step_with_the_settings(stale_site):
    sites.sync_site()
    site = Site.objects.get_current()
    assert (site.name, site.domain) == ("Cyclo", "community.cyclo.test")
    assert sites.brand_site().name == "Cyclo"


@pytest.mark.django_db
def test_the_test_database_was_migrated_with_the_brand():
    # The post_migrate receiver ran when pytest created the test database.
    assert Site.objects.get_current().name == BRAND


@pytest.mark.django_db
def test_invitation_mail_names_the_brand(
    client, staff, make_community, mailoutbox, django_capture_on_commit_callbacks
):
    make_community("club", visibility="hidden", join_policy="invite")
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/c/club/invitations/", {"email": "friend@velora.test"})
    assert len(mailoutbox) == 1
    assert_branded(mailoutbox[0])


@pytest.mark.django_db
def test_notification_mails_and_digests_name_the_brand(
    make_community, make_user, add_member, mailoutbox, django_capture_on_commit_callbacks
):
    community = make_community("support")
    asker, helper = make_user(email="asker@velora.test"), make_user(email="helper@velora.test")
    for user in (asker, helper):
        add_member(community, user)
    with django_capture_on_commit_callbacks(execute=True):
        thread = actions.create_thread(
            asker, community, kind="question", title="Wobbly wheel", body="Help"
        )
    with django_capture_on_commit_callbacks(execute=True):
        # A mention mails at once; a reply waits for the digest.
        actions.reply(helper, thread, body=f"Hi @{asker.username}, tighten the spokes.")
    assert len(mailoutbox) == 1
    assert_branded(mailoutbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply(helper, thread, body="And true the wheel.")
    mailoutbox.clear()
    assert notification_mail.send_digests() == 1
    assert_branded(mailoutbox[0])

"""The member's consent to the CRM export: off by default, theirs alone to change."""

import pytest
from django.urls import reverse

from community import actions
from community.errors import Forbidden
from community.models import Activity, Profile


def test_consent_is_off_until_the_member_turns_it_on(client, make_user):
    member = make_user()
    assert Profile.objects.get(user=member).share_with_crm is False
    client.force_login(member)
    page = client.get(reverse("profile_edit"))
    assert b'name="share_with_crm"' in page.content
    response = client.post(
        reverse("profile_edit"),
        {"display_name": "Zoé", "language": "", "time_zone": "", "share_with_crm": "on"},
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=member).share_with_crm is True
    entry = Activity.objects.filter(verb="profile.updated", target_user=member).latest("id")
    assert "share_with_crm" in entry.data["fields"]
    # Unticked, the consent is withdrawn.
    client.post(reverse("profile_edit"), {"display_name": "Zoé", "language": "", "time_zone": ""})
    assert Profile.objects.get(user=member).share_with_crm is False


def test_nobody_else_gives_a_member_s_consent(staff, make_user):
    member = make_user()
    with pytest.raises(Forbidden):
        actions.update_profile(staff, member, share_with_crm=True)
    assert Profile.objects.get(user=member).share_with_crm is False

"""Who gets into Wagtail's admin at /cms/, and who may preview a page."""

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from cms.models import ArticlePage

pytestmark = pytest.mark.django_db


def body(text):
    return [{"type": "text", "value": f"<p>{text}</p>"}]


def test_a_member_gets_a_403_page_not_a_login_loop(client, make_user):
    client.force_login(make_user())
    response = client.get("/cms/")
    assert response.status_code == 403
    assert "content editors" in response.content.decode()
    assert client.get("/cms/pages/").status_code == 403


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/cms/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_marketer_enters_the_admin(client, marketer):
    client.force_login(marketer)
    assert client.get("/cms/").status_code == 200


def test_an_editor_without_page_permission_is_refused(client, make_user, content_home):
    """Admin access without the Marketing group's page permissions: Wagtail refuses the
    post, and nothing is created."""
    editor = make_user(username="editor")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    url = reverse("wagtailadmin_pages:add", args=("cms", "articlepage", content_home.pk))
    response = client.post(
        url,
        {"title": "Sneaky", "slug": "sneaky", "teaser": "x", "audience": "everyone"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not ArticlePage.objects.filter(slug="sneaky").exists()


def test_editors_preview_the_whole_draft(client, make_page, marketer):
    page = make_page("article", audience="chosen", body=body("DRAFT-BODY"), publish=False)
    client.force_login(marketer)
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[page.pk]))
    assert response.status_code == 200
    assert "DRAFT-BODY" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["visitor", "member", "staff_member"])
def test_nobody_else_opens_a_preview(client, make_page, make_user, who):
    page = make_page("article", audience="members", body=body("DRAFT-BODY"), publish=False)
    if who != "visitor":
        client.force_login(make_user(is_staff=(who == "staff_member")))
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[page.pk]))
    assert response.status_code in (302, 403)
    assert "DRAFT-BODY" not in response.content.decode()


def test_serve_preview_refuses_who_may_not_edit(make_page, make_user):
    """The backstop, should a preview ever be reached without Wagtail's own check."""
    page = make_page("article", audience="members", body=body("DRAFT-BODY"))
    request = RequestFactory().get(page.url)
    request.user = make_user()
    with pytest.raises(Http404):
        page.serve_preview(request, "")

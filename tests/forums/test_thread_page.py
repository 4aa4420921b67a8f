"""The thread page: the accepted answer once, the moderation menu, edit history, live posts."""

import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import facets
from forums import actions
from forums.models import Thread


@pytest.fixture
def forum(make_community, make_user, add_member):
    ideas = make_community("ideas", visibility="public", join_policy="open", kind="ideas")
    member, other, moderator, manager = (make_user() for _ in range(4))
    add_member(ideas, member)
    add_member(ideas, other)
    add_member(ideas, moderator, role="moderator")
    add_member(ideas, manager, role="manager")
    return {
        "community": ideas,
        "member": member,
        "other": other,
        "moderator": moderator,
        "manager": manager,
    }


def page_of(client, user, thread):
    client.force_login(user)
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def posts_part(page):
    """The page's posts, without the blank post of the live template."""
    return page.split("data-posts>")[1].split('<template id="live-post-template"')[0]


@pytest.mark.django_db
def test_the_accepted_answer_in_full_once_and_an_excerpt_under_the_question(client, forum):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="question", title="Q", body="Which saddle?"
    )
    long_answer = "The **Brooks** one fits best. " + "It takes a month to break in. " * 20
    answer = actions.reply(forum["other"], thread, body=long_answer)
    actions.reply(forum["other"], thread, body="Or a gel cover.")
    actions.accept_answer(forum["member"], thread, answer)
    page = posts_part(page_of(client, forum["member"], thread))
    assert page.count("<strong>Brooks</strong> one fits best") == 1  # in full: where it sits
    excerpt = re.search(r'<p class="accepted-excerpt">(.*?)</p>', page, re.S).group(1)
    assert excerpt.startswith("The Brooks one fits best.") and excerpt.endswith("…")
    assert len(excerpt) <= 200 and "<" not in excerpt
    # Under the question, before the answer's own post, with a link to it.
    assert page.index('id="post-1"') < page.index("accepted-excerpt") < page.index('id="post-2"')
    assert 'href="#post-2">Read the accepted answer</a>' in page
    # An answer that is the next post still gets its excerpt; none when nothing is accepted.
    actions.accept_answer(forum["member"], thread, None)
    assert "accepted-excerpt" not in posts_part(page_of(client, forum["member"], thread))


@pytest.mark.django_db
def test_the_moderation_menu_is_at_the_top_for_those_who_moderate(client, forum):
    idea = actions.create_thread(
        forum["member"], forum["community"], kind="idea", title="Dark mode", body="Please."
    )
    talk = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="b"
    )
    page = page_of(client, forum["member"], idea)
    assert "moderation-menu" not in page and "/lock/" not in page and 'name="status"' not in page
    # A moderator: lock and pin, in a <details> in the thread's header, above the posts.
    page = page_of(client, forum["moderator"], talk)
    header = page.split('<header class="thread-header">')[1].split("</header>")[0]
    assert '<details class="moderation-menu">' in header and "Moderation</summary>" in header
    assert f"/c/ideas/t/{talk.pk}/lock/" in header and f"/c/ideas/t/{talk.pk}/pin/" in header
    assert 'name="status"' not in page  # not an idea; and only managers set a status
    assert page.count("/lock/") == 1  # not also under the reply box
    assert 'name="status"' not in page_of(client, forum["moderator"], idea)
    # A manager on an idea: the status form too, with the current status and note.
    actions.set_idea_status(forum["manager"], idea, status="planned", note="Spring.")
    page = page_of(client, forum["manager"], idea)
    header = page.split('<header class="thread-header">')[1].split("</header>")[0]
    assert f'action="/c/ideas/t/{idea.pk}/status/"' in header
    assert '<option value="planned" selected>Planned</option>' in header
    assert re.search(r">\s*Spring\.</textarea>", header)


@pytest.mark.django_db
def test_a_manager_sets_the_status_through_the_page(client, forum):
    idea = actions.create_thread(
        forum["member"], forum["community"], kind="idea", title="Dark mode", body="Please."
    )
    url = f"/c/ideas/t/{idea.pk}/status/"
    client.force_login(forum["member"])
    client.post(url, {"status": "declined", "note": "No."})
    idea.refresh_from_db()
    assert idea.idea_status == Thread.IdeaStatus.NEW
    client.force_login(forum["manager"])
    response = client.post(url, {"status": "in_progress", "note": "On it."}, follow=True)
    idea.refresh_from_db()
    assert (idea.idea_status, idea.idea_status_note) == ("in_progress", "On it.")
    page = response.content.decode()
    assert "The idea&#x27;s status was saved." in page or "The idea's status was saved." in page
    assert '<span class="tag" data-idea-status>In progress</span>' in page
    assert '<p class="notice">On it.</p>' in page
    response = client.post(url, {"status": "nonsense"}, follow=True)
    assert "Select a valid choice." in response.content.decode()


@pytest.mark.django_db
def test_edited_opens_the_history_for_the_author_and_moderators(client, forum):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="First words."
    )
    post = thread.posts.get()
    actions.edit_post(forum["member"], post, body="Second words.")
    history = f"/posts/{post.pk}/history/"
    for allowed in ("member", "moderator"):
        page = posts_part(page_of(client, forum[allowed], thread))
        assert re.search(rf'<a href="{history}" class="edited-link"[^>]*>edited</a>', page)
        response = client.get(history)
        assert response.status_code == 200
        assert "First words." in response.content.decode()
    page = posts_part(page_of(client, forum["other"], thread))
    assert " · edited</span>" in page and history not in page
    assert client.get(history).status_code == 404  # as if missing
    client.logout()
    assert " · edited</span>" in posts_part(client.get(thread.get_absolute_url()).content.decode())
    assert client.get(history).status_code == 302  # to the sign-in page


@pytest.mark.django_db
def test_a_status_note_too_long_is_refused_on_the_page_as_in_the_api(client, forum):
    idea = actions.create_thread(
        forum["member"], forum["community"], kind="idea", title="Dark mode", body="Please."
    )
    client.force_login(forum["manager"])
    response = client.post(
        f"/c/ideas/t/{idea.pk}/status/", {"status": "planned", "note": "x" * 2001}, follow=True
    )
    idea.refresh_from_db()
    assert (idea.idea_status, idea.idea_status_note) == (Thread.IdeaStatus.NEW, "")
    assert "at most 2000 characters" in response.content.decode()
    with pytest.raises(ValidationError):
        actions.set_idea_status(forum["manager"], idea, status="planned", note="x" * 2001)


@pytest.mark.django_db
def test_the_history_page_costs_the_same_for_any_number_of_versions(client, forum):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="Version 0."
    )
    client.force_login(forum["member"])
    client.get("/")  # the session and the site's cached pieces, as on any later page
    counts = {}
    for edits in (1, 6):
        post = actions.reply(forum["member"], thread, body="Version 0.")
        for number in range(1, edits + 1):
            editor = forum["moderator"] if number % 2 else forum["member"]
            actions.edit_post(editor, post, body=f"Version {number}.")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/posts/{post.pk}/history/")
        assert response.content.decode().count('class="revision"') == edits
        counts[edits] = len(captured)
    assert counts[1] == counts[6], counts  # no query per version or per editor


@pytest.mark.django_db
def test_a_deleted_posts_history_is_for_moderators_only(client, forum):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="discussion", title="T", body="Opening."
    )
    post = actions.reply(forum["member"], thread, body="Rude words.")
    actions.edit_post(forum["member"], post, body="Ruder words.")
    history = f"/posts/{post.pk}/history/"
    client.force_login(forum["member"])
    assert client.get(f"/posts/{post.pk}/edit/").content.decode().count(history) == 1
    actions.delete_post(forum["moderator"], post)
    assert client.get(history).status_code == 404
    client.force_login(forum["moderator"])
    response = client.get(history)
    assert response.status_code == 200 and "Rude words." in response.content.decode()


class Skeleton(HTMLParser):
    """The elements of a fragment as (tag, classes, role of the element) in order."""

    def __init__(self):
        super().__init__()
        self.items = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        names = sorted(a for a in attrs if a in ("href", "action", "name", "value", "type"))
        self.items.append((tag, attrs.get("class", ""), tuple(names)))


def skeleton(fragment):
    parser = Skeleton()
    parser.feed(fragment)
    return parser.items


def article(page, anchor):
    return re.search(rf'<article [^>]*id="{anchor}".*?</article>', page, re.S).group()


@pytest.mark.django_db
@pytest.mark.parametrize("reader", ["member", "moderator"])
def test_the_live_post_template_is_the_markup_of_a_rendered_post(client, forum, reader):
    thread = actions.create_thread(
        forum["member"], forum["community"], kind="question", title="Q", body="b"
    )
    actions.reply(forum["other"], thread, body="plain")
    page = page_of(client, forum[reader], thread)
    live = page.split('<template id="live-post-template"')[1].split("</template>")[0]
    blank = article(live, "post-__N__")
    if reader == "member":
        # Edit and delete are marked for the script to keep on the reader's own posts only.
        assert blank.count("data-author-only") == 2
        blank = re.sub(r'<a href="[^"]*" data-author-only>.*?</a>', "", blank)
        blank = re.sub(r"<form [^>]*data-author-only>.*?</form>", "", blank, flags=re.S)
    assert "data-author-only" not in blank
    # Flagging is marked for the script to keep on others' posts only.
    assert blank.count("data-others-only") == 1
    blank = blank.replace(" data-others-only", "")
    rendered = article(posts_part(page), "post-2")
    # What other apps add to the author line (community.facets) comes live as line_html.
    shown = facets.load(
        [forum["other"]], viewer=forum[reader], community=forum["community"], authors=True
    )
    rendered = rendered.replace(str(shown.html(forum["other"].pk)), "")
    # The body is the server's HTML of each post, put in as it is by the script.
    body = re.compile(r'(<div class="post-body prose" data-slot="body">).*?(</div>)', re.S)
    rendered = body.sub(r"\1\2", rendered)
    # The flag form posts to the rendered post's own address; the blank's has __ID__.
    reply_id = thread.posts.get(number=2).pk
    assert f"/flag/post/{reply_id}/" in rendered and "/flag/post/__ID__/" in blank
    # Quote, reactions (with the reaction form), accept; edit and delete for a moderator.
    assert "?quote=__ID__#reply-title" in blank and "Quote</a>" in blank
    assert skeleton(blank) == skeleton(rendered)

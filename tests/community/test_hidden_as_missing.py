"""Hidden answers as missing, on every route that takes an id (docs/security.md).

For whoever may not see it, an object of a hidden community (a thread, a post, an
image, the community itself), someone else's notification or API token, or a
deactivated member answers byte for byte what a missing object of the same kind
answers: status, body and headers.

The routes are not listed here: they are read from the URL conf and from
``/api/v1/openapi.json``, so a new route is tested by construction. Each path
parameter must be of a kind this module knows (``PAGE_KINDS``, ``API_KINDS``) or be
declared as naming no object (``NOT_IDS``, ``NOT_COMMUNITY_SURFACES``); a parameter
of an unknown kind fails the test rather than being skipped.
"""

import datetime
import io
import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver
from PIL import Image

from badges import actions as badge_actions
from community import actions as community_actions
from community.views import MEMBER_VERBS
from forums import actions
from forums.models import Notification
from tests.cms.hidden_content import content_for

# What each path parameter of a page names.
PAGE_KINDS = {
    "slug": "community",
    "thread_id": "thread",
    "post_id": "post",
    "notification_id": "notification",
    "key": "image",
    "username": "member",
    "badge": "badge",
    "item_id": "queue_item",
    "highlight_id": "highlight",
    "tag_id": "tag",
    "page_id": "content",
    "path": "content_file",
    "goal_id": "goal",
    "job_id": "export_job",
}
# ... and of an API operation.
API_KINDS = {
    "slug": "community",
    "thread_id": "thread",
    "post_id": "post",
    "username": "member",
    "token": "api_token",
    "badge": "badge",
    "quality": "quality",
    "item_id": "queue_item",
    "highlight_id": "highlight",
    "word_id": "watched_word",
    "page_id": "content",
}
# Parameters that name no stored object, and why they cannot tell hidden from missing.
NOT_IDS = {
    # Signed values: a forged or unknown one fails its signature check, whatever it names.
    "token": "signed (invitation, unsubscribe link)",
    # Expanded from the view's own list of verbs (VERBS below).
    "verb": "an action's name",
}
VERBS = {
    "thread_action": [
        *("vote", "lock", "pin", "status", "unaccept", "watch", "answer"),
        *("close", "reopen", "hide", "unhide", "move", "merge", "split", "nope"),
    ],
    "post_action": ["delete", "react", "accept", "hide", "restore", "nope"],
    "moderation_queue_action": ["claim", "approve", "reject", "nope"],
    "member_action": [*MEMBER_VERBS, "nope"],
}
# Surfaces outside the communities' content: their ids are not community objects.
NOT_COMMUNITY_SURFACES = {
    "admin/": "Django admin: staff only, behind its own login",
    "cms/": "Wagtail admin: staff only, behind its own login",
    "documents/": "Wagtail documents (CMS audience gating is the CMS's)",
    "accounts/": "allauth's signed keys (email confirmation, password reset)",
    "media/": "uploaded media served in development only",
    # Wagtail's page serving: a path of slugs, not an id; every content page it serves is
    # gated by cms.gating (tests/cms: the gating matrix).
    "content/((?:": "Wagtail's page serving (gated by cms.gating)",
    "content/_util/": "Wagtail's password and login pages for its own view restrictions",
}
API_PREFIX = "api/v1/"
API_CATCH_ALL = "api/v1/{rest}"
MISSING = {
    "community": "no-such-place",
    "thread": 987_654_321,
    "post": 987_654_322,
    "notification": 987_654_323,
    "image": "0" * 32,
    "member": "nobody-here",
    "api_token": 987_654_324,
    "badge": "no-such-badge",
    "quality": "no-such-quality",
    "queue_item": 987_654_325,
    "highlight": 987_654_326,
    "tag": 987_654_327,
    "watched_word": 987_654_328,
    "content": 987_654_329,
    "content_file": "original_images/no-such-image.png",
    "goal": 987_654_330,
    "export_job": "00000000-0000-4000-8000-000000000000",
}
METHODS = ["GET", "POST"]  # what a page route is asked with (each view decides what it accepts)
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(buffer, "PNG")
    return buffer.getvalue()


# --- The routes -------------------------------------------------------------------


def _template(pattern):
    """A route's path as a template with ``{name}`` for each parameter."""
    text = str(pattern.pattern)
    if type(pattern.pattern).__name__ == "RegexPattern":
        text = NAMED_GROUP.sub(r"{\1}", text).removeprefix("^").removesuffix("$")
        assert "(" not in text, f"cannot read the route {pattern.pattern!r}: name its groups"
        text = text.replace("\\", "")
    return CONVERTER.sub(r"{\1}", text)


def _walk(patterns, prefix=""):
    for pattern in patterns:
        path = prefix + str(pattern.pattern).removeprefix("^")
        if path.startswith(tuple(NOT_COMMUNITY_SURFACES)):
            continue
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + _template(pattern))
        else:
            yield prefix + _template(pattern), pattern.name


def url_routes():
    """(path template, its parameters, route name) of every route that takes a parameter."""
    routes = []
    for template, name in _walk(get_resolver().url_patterns):
        params = re.findall(r"{(\w+)}", template)
        if params:
            routes.append((template, params, name))
    return routes


def page_routes():
    return [route for route in url_routes() if not route[0].startswith(API_PREFIX)]


def api_operations(schema):
    """(path template, method, operation) of every operation with a path parameter."""
    return [
        (path.removeprefix("/"), method.upper(), operation)
        for path, item in schema["paths"].items()
        if "{" in path
        for method, operation in item.items()
    ]


# --- Example requests from the schema ---------------------------------------------


def resolve(schema, node):
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def example(schema, node):
    """A small valid instance of ``node``, so that a request gets past validation."""
    node = resolve(schema, node)
    if "enum" in node:
        return node["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if resolve(schema, o).get("type") != "null"]
            return example(schema, options[0])
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {
            name: example(schema, sub)
            for name, sub in node.get("properties", {}).items()
            if name in node.get("required", [])
        }
    if kind == "array":
        return [example(schema, node["items"]) for _ in range(node.get("minItems", 0))]
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if node.get("format") == "date-time":
        return "2030-01-01T00:00:00Z"
    return "x" * max(1, node.get("minLength", 1))


def api_request(schema, operation):
    """Query string and body (as test client keywords) of a valid request to ``operation``."""
    query = {
        p["name"]: example(schema, p["schema"])
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    body = operation.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        return query, {
            "data": example(schema, body["application/json"]["schema"]),
            "content_type": "application/json",
        }
    if "multipart/form-data" in body:
        return query, {"data": {"file": SimpleUploadedFile("a.png", png(), "image/png")}}
    return query, {}


# --- The people and the objects ---------------------------------------------------


@pytest.fixture
def world(make_community, make_user, add_member, settings, tmp_path, staff):
    settings.POST_IMAGES_ROOT = tmp_path / "post-images"
    public = make_community("open-square", visibility="public", kind="ideas")
    hidden = make_community("back-room", visibility="hidden", join_policy="invite", kind="ideas")
    member, outsider, banned = make_user(), make_user(), make_user()
    gone = make_user(is_active=False)
    for user in (member, banned):
        add_member(hidden, user)
        add_member(public, user)
    add_member(public, outsider)
    # The banned ex-member wrote in the hidden community: even their own posts are hidden now.
    thread = actions.create_thread(banned, hidden, kind="idea", title="Secret", body="Plans")
    post = actions.reply(banned, thread, body="More plans")
    image = actions.upload_image(member, hidden, file=SimpleUploadedFile("a.png", png()))
    open_thread = actions.create_thread(member, public, kind="idea", title="Open", body="Hi")
    open_post = actions.reply(member, open_thread, body="Hello")
    add_member(hidden, banned, state="banned")
    # Someone else's: a notification and an API token of the member.
    notification = Notification.objects.create(
        user=member, kind=Notification.Kind.REPLY, actor=banned, thread=thread, post=post
    )
    member_token, _key = community_actions.create_api_token(member, member, name="theirs")
    # Badges of each community (enabled: known to its readers), and their qualities.
    hidden_badge, open_badge = (
        badge_actions.create_badge(
            staff, community=c, name=f"{c.slug} badge", mode="manual", enabled=True
        )
        for c in (hidden, public)
    )
    # Moderation's objects of each community: a queue item, a highlight, a tag, a watched word.
    from forums.moderation.curation import actions as curation
    from forums.moderation.prevention import actions as prevention
    from forums.moderation.queue import actions as queue

    moderation = {
        c.slug: {
            "queue_item": queue.enqueue(c, "flagged", thread=t, post=p, reasons=["spam"]).pk,
            "highlight": curation.feature(staff, t, note="Worth a read").pk,
            "tag": curation.create_tag(staff, c, name="Brakes").pk,
            "watched_word": prevention.add_watched_word(
                staff, c, pattern="spam", action="block"
            ).pk,
        }
        for c, t, p in ((hidden, thread, post), (public, open_thread, open_post))
    }
    hidden_values = {
        **moderation[hidden.slug],
        "community": hidden.slug,
        "thread": thread.pk,
        "post": post.pk,
        "notification": notification.pk,
        "image": image.key,
        "member": gone.username,
        "api_token": member_token.pk,
        "badge": hidden_badge.slug,
        "quality": "helpful",
    }
    # What each kind is when the viewer may see it: the context of a route's other parameters.
    visible_values = {
        **moderation[public.slug],
        "community": public.slug,
        "thread": open_thread.pk,
        "post": open_post.pk,
        "notification": notification.pk,
        "image": image.key,
        "member": member.username,
        "api_token": member_token.pk,
        "badge": open_badge.slug,
        "quality": "helpful",
    }
    # Exclusive content for the hidden community's members: an event (the API's and the
    # pages' routes of offers and events answer a page of another kind as a missing one)
    # and the image it shows.
    content = content_for(hidden, public, png())
    hidden_values |= content["hidden"]
    visible_values |= content["visible"]
    # KPIs: a goal of each community, and someone else's export (only its requester's).
    from community.kpis import actions as kpis
    from community.models import ExportJob

    for values, community in ((hidden_values, hidden), (visible_values, public)):
        values["goal"] = kpis.set_goal(
            staff, community, "interactions", "week", 10, datetime.date(2026, 1, 1)
        ).pk
        values["export_job"] = str(
            ExportJob.objects.create(
                requester=staff, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 2)
            ).pk
        )
    viewers = {"anonymous": None, "outsider": outsider, "banned ex-member": banned}
    tokens = {
        name: community_actions.create_api_token(user, user, name="tests")[1]
        for name, user in viewers.items()
        if user is not None
    }
    return {
        "hidden": hidden_values,
        "visible": visible_values,
        "viewers": viewers,
        "tokens": tokens,
    }


# --- Comparing answers ------------------------------------------------------------

VOLATILE = [
    # Per-response random values: the CSRF token's mask, a CSP nonce.
    (re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+'), rb"\1<csrf>"),
    (re.compile(rb'(name="csrf-token" content=")[^"]+'), rb"\1<csrf>"),
    (re.compile(rb'(nonce=")[^"]+'), rb"\1<nonce>"),
    (re.compile(rb"('nonce-)[^']+"), rb"\1<nonce>"),
]


def answer(response, path, template):
    """What a response says, with the request's own path written as its template.

    A page may name its own address (a login redirect's ``next``): that is the id
    the visitor sent, not something they learn.
    """
    body = response.content
    assert int(response.get("Content-Length", len(body))) == len(body)

    def normalise(value):
        for form in (path, quote(path, safe=""), quote(path)):
            value = value.replace(form.encode(), template.encode())
        for pattern, replacement in VOLATILE:
            value = pattern.sub(replacement, value)
        return value

    headers = {
        name: normalise(value.encode()).decode()
        for name, value in response.headers.items()
        if name not in ("Date", "Content-Length")
    }
    cookies = sorted(response.cookies)
    return response.status_code, headers, cookies, normalise(body)


def ask(client, method, path, auth=None, query=None, request=None):
    cache.clear()  # throttles and rate limits count per test: each request starts equal
    extra = dict(auth or {})
    if query:
        extra["QUERY_STRING"] = "&".join(f"{k}={quote(str(v))}" for k, v in query.items())
    request = dict(request or {})
    if "data" in request and "file" in request["data"]:
        request["data"]["file"].seek(0)
    return client.generic(method, path, **extra, **_encoded(request))


def _encoded(request):
    """Test client keywords for ``generic``: the body encoded as ``post`` would."""
    if not request:
        return {}
    if request.get("content_type") == "application/json":
        import json

        return {"data": json.dumps(request["data"]), "content_type": "application/json"}
    from django.test.client import MULTIPART_CONTENT, encode_multipart

    boundary = "BoUnDaRy"
    return {
        "data": encode_multipart(boundary, request["data"]),
        "content_type": MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", boundary),
    }


def variants(params, kinds, world):
    """(values with parameter ``p`` hidden, the same with ``p`` missing) for each ``p``,
    the route's other parameters at once hidden and visible: every way to ask."""
    for param in params:
        kind = kinds[param]
        for context in ("hidden", "visible"):
            base = {q: world[context][kinds[q]] for q in params if q != param}
            yield (
                param,
                context,
                {**base, param: world["hidden"][kind]},
                {
                    **base,
                    param: MISSING[kind],
                },
            )
            if len(params) == 1:
                break


def unknown(params, kinds, known_not_ids=()):
    return [p for p in params if p not in kinds and p not in known_not_ids]


# --- The tests --------------------------------------------------------------------


@pytest.mark.django_db
def test_every_parameter_of_every_route_is_of_a_known_kind(client):
    """A new kind of id must be taught to this module (hidden and missing values), not skipped."""
    schema = client.get("/api/v1/openapi.json").json()
    problems = []
    for template, params, _name in page_routes():
        wrong = unknown(params, PAGE_KINDS, NOT_IDS)
        if wrong:
            problems.append(f"page {template}: {wrong}")
    for template, _method, _op in api_operations(schema):
        params = re.findall(r"{(\w+)}", template)
        if unknown(params, API_KINDS):
            problems.append(f"API {template}: {unknown(params, API_KINDS)}")
    assert not problems, "parameters of unknown kinds: " + "; ".join(problems)

    # Every API route of the URL conf is in the schema (nothing served but undocumented).
    documented = {template for template, _m, _o in api_operations(schema)}
    served = {t for t, _p, _n in url_routes() if t.startswith(API_PREFIX)} - {API_CATCH_ALL}
    assert served <= documented, served - documented
    assert len(page_routes()) >= 10 and len(documented) >= 20  # the walk found the routes


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "banned ex-member"])
def test_pages_answer_hidden_as_missing(world, viewer):
    client = Client()
    if world["viewers"][viewer] is not None:
        client.force_login(world["viewers"][viewer])
    compared, differences = 0, []
    for template, params, name in page_routes():
        object_params = [p for p in params if p in PAGE_KINDS]
        assert not unknown(params, PAGE_KINDS, NOT_IDS), template
        verbs = VERBS.get(name, [None]) if "verb" in params else [None]
        assert "verb" not in params or name in VERBS, f"{template}: list its verbs in VERBS"
        for verb in verbs:
            for param, context, hidden, missing in variants(object_params, PAGE_KINDS, world):
                for method in METHODS:
                    answers = []
                    for values in (hidden, missing):
                        path = "/" + template.format(**values, verb=verb, token="forged")
                        answers.append(answer(ask(client, method, path), path, template))
                    compared += 1
                    if answers[0] != answers[1]:
                        differences.append((method, template, verb, param, context, *answers))
    assert compared > 50
    assert not differences, _report(differences)


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "banned ex-member"])
def test_api_answers_hidden_as_missing(client, world, viewer):
    schema = client.get("/api/v1/openapi.json").json()
    key = world["tokens"].get(viewer)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    compared, differences = 0, []
    for template, method, operation in api_operations(schema):
        params = re.findall(r"{(\w+)}", template)
        assert not unknown(params, API_KINDS), template
        query, request = api_request(schema, operation)
        for param, context, hidden, missing in variants(params, API_KINDS, world):
            answers = []
            for values in (hidden, missing):
                path = "/" + template.format(**values)
                response = ask(client, method, path, auth, query, request)
                assert response.status_code < 500, (method, path, response.content[:300])
                answers.append(answer(response, path, template))
            compared += 1
            if answers[0] != answers[1]:
                differences.append((method, template, None, param, context, *answers))
    assert compared > 20
    assert not differences, _report(differences)


def _report(differences):
    lines = []
    for method, template, verb, param, context, hidden, missing in differences[:12]:
        lines.append(
            f"{method} {template} verb={verb} ({param} hidden vs missing, others {context}):\n"
            f"  hidden:  {hidden[0]} {hidden[3][:160]!r} {hidden[1]}\n"
            f"  missing: {missing[0]} {missing[3][:160]!r} {missing[1]}"
        )
    return f"{len(differences)} routes tell hidden from missing:\n" + "\n".join(lines)

"""The API keeps the contract of its own schema: schemathesis against /api/v1/openapi.json.

Requests generated from the schema, valid and invalid, are sent to the WSGI app in
the test's own transaction, signed in as a member with a bearer token (so that the
operations for members are reached, not only their 401). Half the path ids are those
of real objects, so that the operations get past their lookups. Every answer must be
no 5xx, a status the operation documents, the content type and body it documents,
and a 4xx for data the schema forbids. Bounded: a few examples per operation and
mode, in about a minute on two cores.
"""

import io
import zlib

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from community import actions as community_actions
from forums import actions
from forums.models import Notification

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def contract_world(make_community, make_user, add_member, settings, tmp_path):
    settings.POST_IMAGES_ROOT = tmp_path / "post-images"
    settings.API_RATE_LIMIT = "100000/m"  # the throttle is tested elsewhere; here, the contract
    public = make_community("open-square", visibility="public", kind="ideas")
    member, other = make_user(), make_user()
    for user in (member, other):
        add_member(public, user)
    question = actions.create_thread(other, public, kind="question", title="How?", body="Q")
    answer = actions.reply(member, question, body="Like so")
    poll = actions.create_thread(
        other, public, kind="poll", title="Which?", body="P", poll={"options": ["a", "b"]}
    )
    _token, key = community_actions.create_api_token(member, member, name="contract")
    return {
        "member": member,
        "key": key,
        "values": {
            "slug": public.slug,
            "thread_id": question.pk,
            "post_id": answer.pk,
            "username": other.username,
        },
        "more_threads": [poll.pk],
    }


def with_real_ids(case, world, draw_bit):
    """Point about half the cases at real objects, so that they pass the lookups."""
    for name in list(case.path_parameters or {}):
        if name in world["values"] and draw_bit(name):
            case.path_parameters[name] = world["values"][name]


def exercise(operation, mode, world, headers, failures):
    """Send ``EXAMPLES[mode]`` generated requests to ``operation``; collect what fails."""
    checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if mode == GenerationMode.POSITIVE:  # a negative case stays invalid
            with_real_ids(case, world, lambda name: zlib.crc32(f"{name}{case!r}".encode()) % 2)
        if case.media_type == "multipart/form-data" and isinstance(case.body, dict):
            case.body.setdefault("file", png())
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (AssertionError, FailureGroup) as failure:
            failures.append(f"{case.method} {case.formatted_path} ({mode}): {failure}")

    run()


@pytest.mark.django_db
def test_the_api_keeps_its_schema(contract_world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    headers = {"Authorization": f"Bearer {contract_world['key']}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operations += 1
        for mode in EXAMPLES:
            exercise(result.ok(), mode, contract_world, headers, failures)
    assert operations >= 30
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures[:8])


@pytest.mark.django_db
@pytest.mark.parametrize("boundary", ["", "boundary=", 'boundary=""'])
def test_a_malformed_multipart_body_is_a_400(client, contract_world, boundary):
    """Defect 6: no boundary, or an empty one, was a 500 (MultiPartParserError)."""
    response = client.post(
        "/api/v1/communities/open-square/images",
        data=b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc\r\n--x--\r\n',
        content_type=f"multipart/form-data; {boundary}".strip("; "),
        HTTP_AUTHORIZATION=f"Bearer {contract_world['key']}",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "bad_request"


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["5", '"all"', "[1, 2]", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_422(client, contract_world, body):
    """Found by schemathesis: ``5`` read as ``{}`` and marked every notification read."""
    thread_id = contract_world["values"]["thread_id"]
    Notification.objects.create(
        user=contract_world["member"], kind=Notification.Kind.REPLY, thread_id=thread_id
    )
    response = client.post(
        "/api/v1/notifications/read",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {contract_world['key']}",
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert not Notification.objects.filter(read_at__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/notifications/read", {"ids": [2**70]}),
        ("post", "/api/v1/notifications/read", {"ids": [2**63]}),
        ("post", "/api/v1/threads/{thread_id}/posts", {"body": "x", "reply_to": 2**64}),
        ("post", "/api/v1/threads/{thread_id}/accept", {"post": 2**63}),
        ("post", "/api/v1/threads/{more}/poll", {"options": [2**63]}),
        ("post", "/api/v1/threads/{thread_id}/read?number=9223372036854775808", None),
        ("get", "/api/v1/threads/9223372036854775808", None),
        ("get", "/api/v1/posts/99999999999999999999999/reactions", None),
        ("get", "/api/v1/communities/open-square/members?cursor=9223372036854775808", None),
    ],
)
def test_integers_past_a_database_column_are_a_422(client, contract_world, method, path, body):
    """Defect 6: ``{"ids": [2**70]}`` was a 500 on SQLite (OverflowError binding it)."""
    path = path.format(
        thread_id=contract_world["values"]["thread_id"], more=contract_world["more_threads"][0]
    )
    response = getattr(client, method)(
        path,
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {contract_world['key']}",
    )
    assert response.status_code in (405, 422), response.content
    assert response["Content-Type"].startswith("application/json")
    if response.status_code == 422:
        assert response.json()["code"] == "invalid"


@pytest.mark.django_db
def test_an_unsearchable_query_is_refused_by_the_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    (q,) = [p for p in schema["paths"]["/api/v1/search"]["get"]["parameters"] if p["name"] == "q"]
    assert q["schema"]["minLength"] == 1
    for query in ("", "%20", "%22%21"):
        response = client.get(f"/api/v1/search?q={query}")
        assert response.status_code == 422, query


def test_every_operation_documents_its_errors(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "Error" in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"401", "429"} <= set(responses), (method, path)
            if "{" in path:
                assert {"403", "404", "422"} <= set(responses), (method, path)
            for status, documented in responses.items():
                if status.startswith("4"):
                    assert documented["content"]["application/json"]["schema"], (method, path)

"""How the social value API tests call the API (their world: ``conftest.py``)."""

import json

from community import actions as community_actions

API = "/api/v1"


def bearer(user):
    _token, key = community_actions.create_api_token(user, user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def call(client, method, path, auth=None, body=None):
    kwargs = dict(auth or {})
    if body is not None:
        kwargs["data"] = json.dumps(body)
        kwargs["content_type"] = "application/json"
    response = getattr(client, method)(API + path, **kwargs)
    if response.status_code == 204:
        return response, None
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response, response.json()


def assert_error(response, data, status, code):
    assert response.status_code == status, data
    assert isinstance(data["detail"], str) and data["detail"]
    assert data["code"] == code, data

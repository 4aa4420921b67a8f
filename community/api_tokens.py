"""API endpoints for bearer tokens: list, create and revoke one's own; staff revoke anyone's.

A token is identified by its id or its prefix (the 8 characters after ``bcm_``,
shown in lists). A token of someone else answers exactly as a missing one.
Creating a token needs the browser session: a token that could mint tokens
would let one leaked key outlive its own revocation.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from community import actions, queries
from community.apitools import Username
from community.errors import Forbidden

router = Router(tags=["tokens"])
TokenRef = Annotated[
    str,
    Path(
        ...,
        min_length=1,
        max_length=20,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The token's id or its prefix (the 8 characters after `bcm_`).",
    ),
]


class TokenOut(Schema):
    id: int
    prefix: str = Field(..., description="The 8 characters after `bcm_`: enough to recognise it.")
    name: str
    username: str
    state: Literal["active", "revoked"]
    created_at: datetime
    last_used_at: datetime | None = Field(
        None, description="Updated at most once a minute, so up to a minute behind."
    )
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    key: str = Field(..., description="The token itself: shown this once, stored only hashed.")


class TokenPage(Schema):
    items: list[TokenOut]
    next: str | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=80, description="What the token is for.")


class CursorQuery(Schema):
    cursor: str | None = Field(
        None, max_length=18, pattern=r"^[0-9]+$", description="`next` of the previous page."
    )


def token_out(token, username):
    return {
        "id": token.pk,
        "prefix": token.prefix,
        "name": token.name,
        "username": username,
        "state": "revoked" if token.revoked_at else "active",
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def _page(owner, cursor):
    tokens, after = queries.api_tokens_of(owner, before=int(cursor) if cursor else None)
    return {"items": [token_out(t, owner.username) for t in tokens], "next": after}


def _check_not_bearer(request):
    # Bearer auth is tried first and a bad token is a 401, so a Bearer header here
    # means the caller authenticated with a token.
    scheme = request.headers.get("Authorization", "").split(" ", 1)[0]
    if scheme.lower() == "bearer":
        raise Forbidden(
            _("Create tokens from a signed-in browser session, not with a token."),
            code="session_required",
        )


@router.get("/me/tokens", response={200: TokenPage})
def list_my_tokens(request, query: Query[CursorQuery]):
    """The caller's tokens, newest first, revoked ones included (never the keys)."""
    return _page(request.user, query.cursor)


@router.post("/me/tokens", response={201: TokenCreated})
def create_my_token(request, payload: TokenIn):
    """Create a token for the caller (community managers and staff; session only).

    The answer carries the key once; only its hash is kept.
    """
    _check_not_bearer(request)
    token, key = actions.create_own_api_token(request.user, name=payload.name)
    return Status(201, {**token_out(token, request.user.username), "key": key})


@router.delete("/me/tokens/{token}", response={204: None})
def revoke_my_token(
    request,
    token: TokenRef,
):
    """Revoke one of the caller's tokens: its next request is a 401."""
    actions.revoke_api_token(request.user, queries.api_token_of(request.user, token))
    return Status(204, None)


@router.get("/members/{username}/tokens", response={200: TokenPage})
def list_member_tokens(request, username: Username, query: Query[CursorQuery]):
    """A member's tokens (site staff, or the member themselves)."""
    return _page(queries.api_token_owner(request.user, username), query.cursor)


@router.delete("/members/{username}/tokens/{token}", response={204: None})
def revoke_member_token(
    request,
    username: Username,
    token: TokenRef,
):
    """Revoke a member's token (site staff, or the member themselves)."""
    owner = queries.api_token_owner(request.user, username)
    actions.revoke_api_token(request.user, queries.api_token_of(owner, token))
    return Status(204, None)

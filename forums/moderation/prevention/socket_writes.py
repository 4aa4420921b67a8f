"""Posting and reacting over the WebSocket (``realtime.socket_hooks.register_write``).

Through the same actions as the pages and the API, so every refusal is the same:
a silenced or suspended member, a locked thread, a watched word, a rate limit (its
error frame carries ``retry_after``). Registered here because rate limits must hold on
every surface; the forums may take these over (they only call ``forums.actions``).
"""

from django.http import Http404

from forums import actions, queries


def _id(frame, key):
    value = frame.get(key)
    if type(value) is not int or not 0 < value < 2**63:
        raise Http404
    return value


def reply(user, frame):
    """``{"op": "reply", "thread": id, "body": "...", "client_id"?: "...", "ref"?: any}``."""
    thread = queries.thread_for(user, _id(frame, "thread"))
    post = actions.reply(
        user,
        thread,
        body=str(frame.get("body", "")),
        client_id=str(frame.get("client_id", ""))[:64],
    )
    return {"post": post.pk, "number": post.number, "status": post.status}


def react(user, frame):
    """``{"op": "react", "post": id, "kind": "like", "ref"?: any}``."""
    post = queries.post_for(user, _id(frame, "post"))
    return {"post": post.pk, "reacted": actions.react(user, post, kind=str(frame.get("kind", "")))}

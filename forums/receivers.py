"""What the forums do when activity is recorded: notify, and forget what access lost.

Connected from ``ForumsConfig.ready()``; each runs once the action's transaction has
committed (``community.activity``). Notifying runs in a background task, so a
reply's request never waits for its notifications and a failed notification loses
no post. A membership's end is handled at once, before the next request can replay
anything to the member who lost access.
"""

from community import activity
from forums import notifications


def notify_post(entry):
    """Mentions, the author replied to, and the watchers of the thread and community."""
    post_id = entry.data["post"] if entry.verb == "thread.created" else entry.object_id
    return len(notifications.post_created(post_id))


def notify_accepted(entry):
    return len(notifications.answer_accepted(entry.data["thread"], entry.object_id, entry.actor_id))


def notify_idea_status(entry):
    if entry.data["before"] == entry.data["after"]:
        return 0
    return len(notifications.idea_status_changed(entry.object_id, entry.actor_id))


def connect():
    activity.connect(["thread.created", "post.created"], notify_post, background=True)
    activity.connect("answer.accepted", notify_accepted, background=True)
    activity.connect("idea.status_changed", notify_idea_status, background=True)
    ended = ["membership.left", "membership.refused", "membership.removed", "membership.banned"]
    activity.connect(ended, notifications.membership_ended)

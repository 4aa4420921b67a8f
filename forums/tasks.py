"""Background jobs of the forums app, enqueued after the change that causes them commits."""

from django_tasks import task

from forums import notifications


@task()
def notify_post(post_id):
    return len(notifications.post_created(post_id))


@task()
def notify_accepted(thread_id, actor_id):
    return len(notifications.answer_accepted(thread_id, actor_id))


@task()
def notify_idea_status(thread_id, actor_id):
    return len(notifications.idea_status_changed(thread_id, actor_id))


@task()
def mail_notifications(notification_ids):
    """Mail "at once" notifications; a job of its own, so access is asked when it runs."""
    return notifications.send_immediate(notification_ids)

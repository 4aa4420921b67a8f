"""The member's notifications page: what happened, read or not, and "mark all as read".

A notification stays unread until the member opens it (through
``notification_open``, which marks it read and goes to the post) or marks
them all read: listing them is not reading them, so the page can show which
ones are new and the header's count means what it says.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from forums import notification_text, notifications


@login_required
def notification_list(request):
    if request.method == "POST" and request.POST.get("read_all"):
        notifications.mark_read(request.user)
        return redirect("notifications")
    items = notifications.recent(request.user)
    rows = [
        {
            "notification": n,
            "unread": n.read_at is None,
            "reason": notification_text.reason_html(n),
            "excerpt": notification_text.excerpt(n),
        }
        for n in items
    ]
    unread = sum(1 for row in rows if row["unread"])
    return render(request, "forums/notifications.html", {"rows": rows, "unread": unread})


@login_required
def notification_open(request, notification_id):
    """Mark one notification read and go to what it is about.

    404 if it is not the member's, or is about a thread they may no longer
    read: the same answer, so the link tells nothing about where it led.
    A GET, so that the list's entries are plain links (open in a new tab, copy):
    the only effect is on the member's own read mark, and doing it twice is harmless.
    """
    notification = notifications.opened(request.user, notification_id)
    if notification is None:
        raise Http404
    notifications.mark_read(request.user, ids=[notification.pk])
    url = notification.thread.get_absolute_url()
    if notification.post is not None:
        url += f"#post-{notification.post.number}"
    return redirect(url)

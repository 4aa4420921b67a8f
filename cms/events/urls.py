"""The events' pages (mounted at the site root, before Wagtail's serving at /content/)."""

from django.urls import path

from cms.events import views

urlpatterns = [
    path("content/events/<int:page_id>/rsvp/", views.rsvp, name="cms_event_rsvp"),
    path("content/events/<int:page_id>/rsvp/cancel/", views.cancel, name="cms_event_cancel"),
    path("content/events/<int:page_id>/attendees/", views.attendees, name="cms_event_attendees"),
    path(
        "content/events/<int:page_id>/attendees.csv",
        views.attendees_csv,
        name="cms_event_attendees_csv",
    ),
    path(
        "content/events/<int:page_id>/attendees/<str:username>/attendance/",
        views.attendance,
        name="cms_event_attendance",
    ),
]

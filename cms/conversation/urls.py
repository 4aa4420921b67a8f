from django.urls import path

from cms.conversation import views

urlpatterns = [
    path("feed/", views.feed, name="cms_feed"),
]

from django.urls import path

from forums.moderation.care import views

urlpatterns = [
    path("c/<slug:slug>/moderation/waiting/", views.waiting, name="care_waiting"),
    path("c/<slug:slug>/moderation/waiting/duty/", views.duty, name="care_duty"),
    path("c/<slug:slug>/moderation/response/", views.response_policy, name="care_response"),
    path("c/<slug:slug>/experts/me/", views.expert, name="care_expert"),
]

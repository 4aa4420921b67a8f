from django.urls import path

from forums.moderation.prevention import views

urlpatterns = [
    path("c/<slug:slug>/moderation/words/", views.words_page, name="moderation_words"),
    path("c/<slug:slug>/moderation/trust/", views.trust_page, name="moderation_trust"),
]

from django.urls import path

from cms.offers import site

urlpatterns = [
    path("content/offers/<int:page_id>/reveal/", site.reveal, name="cms-offer-reveal"),
]

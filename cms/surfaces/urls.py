"""The surfaces' URLs, mounted at the site root before Wagtail's serving of
``/content/`` (so a content page cannot be slugged ``search``, ``feed`` or ``files``)."""

from django.urls import path

from cms.surfaces import feeds, files, views

urlpatterns = [
    path("content/search/", views.search, name="content_search"),
    path("content/feed/rss/", feeds.ContentFeed(), name="content_rss"),
    path("content/feed/atom/", feeds.ContentAtomFeed(), name="content_atom"),
    path("content/files/<path:path>", files.serve_file, name="content_file"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
]

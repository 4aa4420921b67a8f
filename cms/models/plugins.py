"""What the parts of ``cms`` plug into its pages, registered from their ``setup()``.

The pages cannot import the parts that serve them, draw their offer or event box,
or count their reach: those parts import the models. So each part registers here:

- ``serve_with(name, view)``: how a page is served (``"content"``, ``"preview"``,
  ``"home"``: ``cms.surfaces``);
- ``add_context(model, provider)``: what ``provider(page, request)`` adds to the
  template context of every page of ``model`` (offers, events, the discussion);
- ``add_panel(name, provider)``: what ``provider(page)`` gives an admin panel
  (``"reach"``: ``cms.reach``).
"""

from django.core.exceptions import ImproperlyConfigured

_serving = {}
_contexts = []
_panels = {}


def serve_with(name, view):
    _serving[name] = view


def serving(name):
    try:
        return _serving[name]
    except KeyError:
        raise ImproperlyConfigured(f"No cms part serves {name!r} pages.") from None


def add_context(model, provider):
    if (model, provider) not in _contexts:
        _contexts.append((model, provider))


def page_context(page, request):
    """Every registered provider's context for ``page``, in registration order."""
    context = {}
    for model, provider in _contexts:
        if isinstance(page, model):
            context.update(provider(page, request))
    return context


def add_panel(name, provider):
    _panels[name] = provider


def panel_context(name, page):
    provider = _panels.get(name)
    return provider(page) if provider is not None else {}

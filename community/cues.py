"""Activity cues on the directory's cards, contributed by the apps that own the activity.

The forums app knows the latest thread and what a member has not read; community
must not import it, so it registers a function here from its ``ready()``.
"""

_decorators = []


def register(decorate):
    """Add ``decorate(communities, user)``, which sets attributes on each community in
    a fixed number of queries. Call once, from AppConfig.ready()."""
    if decorate not in _decorators:
        _decorators.append(decorate)


def decorate(communities, user):
    for add_cues in _decorators:
        add_cues(communities, user)
    return communities

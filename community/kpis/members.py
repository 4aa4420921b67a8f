"""Who is a member when, rebuilt from the ledger's membership entries (``docs/kpis.md``).

A member is in a community after their last ``MEMBERSHIP_IN`` entry there and out after a
``MEMBERSHIP_OUT`` one: the last entry of each (community, account) decides, in the
ledger's order (time, then id). A scope of several communities, and the site, count
people: an account is a member while it is in at least one of the scope's communities.
Entries whose account was deleted (``target_user`` null) count for nobody: a deleted
account is not a member, at any date.

The ledger is read twice, whatever the range and the number of buckets: once for the
state before the range (without the times, which SQLite would parse row by row), once for
the changes inside it; the buckets' totals are then sums over those changes.
"""

from bisect import bisect_left
from collections import Counter

from community.kpis import definitions

IN = frozenset(definitions.MEMBERSHIP_IN)
# Entering by the lifting of a ban is a return, not a new member.
RETURNS = frozenset({"membership.unbanned"})
VERBS = (*definitions.MEMBERSHIP_IN, *definitions.MEMBERSHIP_OUT)


def _entries(scope):
    return (
        scope.ledger()
        .filter(verb__in=VERBS, target_user_id__isnull=False)
        .order_by("created_at", "id")
    )


class Timeline:
    """The scope's members from ``since`` to ``until``: the state at ``since``, then each
    change of a person's membership of the scope, in order.

    ``total_at(moment)``, ``new_between(a, b)`` and ``left_between(a, b)`` then cost no
    query. A person who joins a second community of the scope is not new again, and one who
    leaves one of two has not left.
    """

    def __init__(self, scope, since, until):
        self.since, self.until = since, until
        pairs = set()  # (community, account) in, at the current point of the walk
        communities = Counter()  # account -> how many of the scope's communities
        before = _entries(scope).filter(created_at__lt=since)
        for community, user, verb in before.values_list(
            "community_id", "target_user_id", "verb"
        ).iterator(chunk_size=5000):
            _apply(pairs, communities, (community, user), verb in IN)
        self.base = sum(1 for n in communities.values() if n)
        self.times, self.deltas, self.news, self.lefts = [], [], [], []
        during = _entries(scope).filter(created_at__gte=since, created_at__lt=until)
        for community, user, verb, at in during.values_list(
            "community_id", "target_user_id", "verb", "created_at"
        ).iterator(chunk_size=5000):
            delta = _apply(pairs, communities, (community, user), verb in IN)
            if delta:
                self.times.append(at)
                self.deltas.append(delta)
                self.news.append(1 if delta > 0 and verb not in RETURNS else 0)
                self.lefts.append(1 if delta < 0 else 0)
        self.pairs = pairs
        self.people = {user for user, n in communities.items() if n}
        self._totals = _running(self.deltas)
        self._new = _running(self.news)
        self._left = _running(self.lefts)

    def _index(self, moment):
        return bisect_left(self.times, moment)

    def total_at(self, moment):
        """Members just before ``moment`` (within ``[since, until]``)."""
        return self.base + self._totals[self._index(moment)]

    def new_between(self, start, end):
        """People who became members in ``[start, end)``: joined, were let in, or created
        the community (a ban lifted is a return, not a new member)."""
        return self._new[self._index(end)] - self._new[self._index(start)]

    def left_between(self, start, end):
        """People who stopped being members (left, removed, banned) in ``[start, end)``."""
        return self._left[self._index(end)] - self._left[self._index(start)]

    def by_community(self):
        """``{community_id: members}`` at ``until``."""
        return Counter(community for community, _user in self.pairs)


def _apply(pairs, communities, pair, inside):
    """Set one membership; return +1 or -1 when the person enters or leaves the scope."""
    if inside == (pair in pairs):
        return 0  # a second ban moving its end date, a ban of someone who was not in
    user = pair[1]
    if inside:
        pairs.add(pair)
        communities[user] += 1
        return 1 if communities[user] == 1 else 0
    pairs.discard(pair)
    communities[user] -= 1
    return -1 if communities[user] == 0 else 0


def _running(values):
    """Prefix sums with a leading 0: ``result[i]`` is the sum of the first ``i`` values."""
    result = [0]
    for value in values:
        result.append(result[-1] + value)
    return result


def block(timeline, period):
    """The ``members`` counts of the report that come from memberships."""
    return {
        "total": timeline.total_at(period.cutoff),
        "new": timeline.new_between(period.since, period.cutoff),
        "left": timeline.left_between(period.since, period.cutoff),
    }

"""Past activity for the rule templates' tests, written as it lies in the database.

A rule reads history: posts of last year, the day a reaction came, the ledger entry
of an acceptance. The actions write "now", so these helpers write the rows of the
past directly, dated, as ``seed_scale`` and the data from before the activity ledger
do (threads and posts with their counters and ``first_response_at``, reactions,
revisions, endorsements, reputation entries, and ledger entries when asked). Tests of
awarding as it happens use the real actions instead.
"""

from datetime import UTC, datetime, timedelta

from badges import levels, qualities, rules
from badges.models import Award, Badge, Endorsement, Reputation, ReputationEntry
from community.models import Activity
from forums.models import Post, PostRevision, Reaction, Thread

START = datetime(2025, 3, 1, tzinfo=UTC)


def at(day, hour=12, minute=0):
    """Day ``day`` (1 is 2025-03-01) at ``hour``:``minute`` UTC."""
    return START + timedelta(days=day - 1, hours=hour, minutes=minute)


def thread(community, author, when, *, kind="discussion", title="A thread", status=""):
    """A thread with its opening post, both at ``when``."""
    opened = Thread.objects.create(
        community=community,
        kind=kind,
        title=title,
        author=author,
        idea_status=status or (Thread.IdeaStatus.NEW if kind == "idea" else ""),
        post_count=1,
        created_at=when,
        last_activity_at=when,
    )
    Post.objects.create(
        thread=opened, number=1, author=author, body="Hello", html="<p>Hello</p>", created_at=when
    )
    return opened


def opening(thread_):
    return thread_.posts.get(number=1)


def post(thread_, author, when, *, deleted=False):
    """A reply at ``when``; the thread's counters and first response follow, as the
    action keeps them."""
    thread_.refresh_from_db()
    reply = Post.objects.create(
        thread=thread_,
        number=thread_.post_count + 1,
        author=author,
        body="Reply",
        html="<p>Reply</p>",
        created_at=when,
        deleted_at=when + timedelta(hours=1) if deleted else None,
    )
    fields = {"post_count": thread_.post_count + 1, "last_activity_at": when}
    if thread_.first_response_at is None and author.pk != thread_.author_id:
        fields["first_response_at"] = when
    Thread.objects.filter(pk=thread_.pk).update(**fields)
    return reply


def react(post_, user, when, kind="like"):
    return Reaction.objects.create(post=post_, user=user, kind=kind, created_at=when)


def accept(answer, when=None):
    """Make ``answer`` its question's accepted answer; with ``when``, as the ledger says
    it happened then (``answer.accepted``), else as data from before the ledger."""
    Thread.objects.filter(pk=answer.thread_id).update(accepted_post=answer)
    if when is not None:
        entry(
            "answer.accepted",
            when,
            answer.thread.community,
            object_type="post",
            object_id=answer.pk,
            target_user=answer.author,
            data={"thread": answer.thread_id},
        )


def entry(verb, when, community, *, object_type="", object_id=None, target_user=None, data=None):
    return Activity.objects.create(
        verb=verb,
        created_at=when,
        community=community,
        target_user=target_user,
        object_type=object_type,
        object_id=object_id,
        data=data or {},
    )


def revise(post_, editor, when):
    return PostRevision.objects.create(
        post=post_, body=post_.body, html=post_.html, editor=editor, created_at=when
    )


def endorse(endorser, endorsee, community, quality, when):
    chosen = next(q for q in qualities.for_community(community) if q.slug == quality)
    return Endorsement.objects.create(
        endorser=endorser, endorsee=endorsee, community=community, quality=chosen, created_at=when
    )


def points(user, community, amount, when, key=None):
    """A reputation ledger entry of ``amount`` points at ``when``, and the member's
    standing (points and rank) that goes with it, as ``badges.reputation`` keeps them."""
    cause = entry("reaction.added", when, community, target_user=user, data={"kind": "like"})
    made = ReputationEntry.objects.create(
        user=user,
        community=community,
        points=amount,
        reason=ReputationEntry.Reason.REACTION,
        key=key or f"test:{cause.pk}",
        activity=cause,
        created_at=when,
    )
    standing, _created = Reputation.objects.get_or_create(user=user, community=community)
    standing.points += amount
    standing.rank = levels.rank_for(standing.points, levels.ladder(community))
    standing.save(update_fields=["points", "rank"])
    return made


def qualified(key, params=None, community=None, *, user_ids=None):
    """``{user_id: achieved_at}`` of the template ``key``: the earliest row of each."""
    rule = rules.get(key)
    rows = rule.query(rules.validate_params(rule, params or {}), community, user_ids=user_ids)
    found = {}
    for row in rows:
        user_id, achieved = row["user_id"], row["achieved_at"]
        found[user_id] = min(found.get(user_id, achieved), achieved)
    return found


def make_badge(rule, *, community=None, params=None, enabled=True, slug=None, **extra):
    key = slug or f"{rule}-{community.slug if community else 'site'}"
    return Badge.objects.create(
        slug=key,
        name=key.replace("-", " ").title(),
        community=community,
        mode=Badge.Mode.RULE,
        rule=rule,
        params=params or {},
        enabled=enabled,
        **extra,
    )


def awards_of(badge):
    return dict(Award.objects.filter(badge=badge).values_list("user_id", "awarded_at"))

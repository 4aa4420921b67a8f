"""seed_scale --reactions/--ledger/--join-spread/--crm-share: the extras are as the actions
would have left them (the KPI benches read them: bench/kpis_report.py)."""

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from community.models import Activity, Membership, Profile
from forums.models import Post, Reaction, Thread

pytestmark = [pytest.mark.postgres_too, pytest.mark.django_db]


def seed(**options):
    out = StringIO()
    call_command("seed_scale", json=True, stdout=out, **options)
    return json.loads(out.getvalue())


def small(**extra):
    return dict(
        communities=2,
        threads=40,
        threads_per_other=10,
        posts_per_thread="1-6",
        members=15,
        seed=3,
        **extra,
    )


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    return seed(**small(reactions=300, ledger=True, join_spread=True, crm_share=0.8))


def entries(verb):
    return Activity.objects.filter(verb=verb)


def test_reactions_and_counters(seeded):
    assert seeded["reactions"] == Reaction.objects.count() > 150
    now = timezone.now()
    for post in Post.objects.select_related("thread"):
        mine = list(Reaction.objects.filter(post=post))
        assert post.reaction_counts == dict(Counter(r.kind for r in mine))
        for reaction in mine:
            assert reaction.user_id != post.author_id
            assert post.created_at <= reaction.created_at <= now
    for thread in Thread.objects.all():
        assert thread.reaction_count == Reaction.objects.filter(post__thread=thread).count()


def test_ledger_matches_the_data(seeded):
    assert seeded["activity"] == Activity.objects.count()
    assert entries("membership.joined").count() == Membership.objects.count()
    for membership in Membership.objects.all():
        entry = entries("membership.joined").get(object_id=membership.pk)
        assert (entry.actor_id, entry.target_user_id, entry.community_id) == (
            membership.user_id,
            membership.user_id,
            membership.community_id,
        )
        assert entry.created_at == membership.joined_at and entry.data == {"invited": False}
    for thread in Thread.objects.all():
        posts = list(thread.posts.order_by("number"))
        opened = entries("thread.created").get(object_id=thread.pk)
        assert opened.data == {"kind": thread.kind, "post": posts[0].pk}
        assert (opened.actor_id, opened.community_id, opened.created_at) == (
            thread.author_id,
            thread.community_id,
            thread.created_at,
        )
        replies = entries("post.created").filter(data__thread=thread.pk)
        assert replies.count() == len(posts) - 1
        firsts = [e for e in replies if e.data["first_response"]]
        if thread.first_response_at is None:
            assert firsts == []
        else:
            (first,) = firsts
            assert first.created_at == thread.first_response_at
            assert first.actor_id != thread.author_id
        accepted = entries("answer.accepted").filter(data__thread=thread.pk)
        if thread.accepted_post_id:
            (entry,) = accepted
            post = Post.objects.get(pk=thread.accepted_post_id)
            assert (entry.object_id, entry.actor_id, entry.target_user_id) == (
                post.pk,
                thread.author_id,
                post.author_id,
            )
            assert entry.created_at >= post.created_at
        else:
            assert not accepted.exists()
    for post in Post.objects.filter(number__gt=1):
        entry = entries("post.created").get(object_id=post.pk)
        assert (entry.actor_id, entry.created_at) == (post.author_id, post.created_at)
    assert entries("reaction.added").count() == Reaction.objects.count()
    for reaction in Reaction.objects.select_related("post__thread"):
        entry = entries("reaction.added").get(
            object_id=reaction.post_id, actor_id=reaction.user_id, data__kind=reaction.kind
        )
        assert entry.created_at == reaction.created_at
        assert entry.target_user_id == reaction.post.author_id
        assert entry.community_id == reaction.post.thread.community_id
    assert Thread.objects.filter(kind="question").exists()


def test_everyone_joined_before_writing(seeded):
    joined = {(m.community_id, m.user_id): m.joined_at for m in Membership.objects.all()}
    assert len(set(joined.values())) > 2  # spread
    for post in Post.objects.select_related("thread"):
        assert joined[(post.thread.community_id, post.author_id)] <= post.created_at
    for reaction in Reaction.objects.select_related("post__thread"):
        assert joined[(reaction.post.thread.community_id, reaction.user_id)] <= reaction.created_at


def test_crm_share(seeded):
    sharing = Profile.objects.filter(share_with_crm=True).count()
    assert 6 <= sharing <= 15


def test_same_posts_with_or_without_extras(settings):
    settings.DEBUG = True
    seed(**small(prefix="plain"))
    seed(**small(prefix="more", reactions=100, ledger=True, crm_share=0.5))

    def shape(prefix):
        return [
            (
                t.title,
                t.kind,
                t.post_count,
                t.author.username.split("_")[1],
                [p.author.username.split("_")[1] for p in t.posts.order_by("number")],
            )
            for t in Thread.objects.filter(community__slug__startswith=prefix).order_by("pk")
        ]

    assert shape("plain-") == shape("more-")
    assert not Reaction.objects.filter(post__thread__community__slug__startswith="plain").exists()
    assert not Profile.objects.filter(
        user__username__startswith="plain_", share_with_crm=True
    ).exists()

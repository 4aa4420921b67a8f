"""The Redis cache degrades to a miss instead of failing the request when Redis is away."""

import logging

import pytest
from django.core.cache.backends.redis import RedisCache

from community.site import cache as resilient
from tests.servers import free_port


@pytest.fixture
def unreachable():
    # A port nobody listens on: every connection is refused at once.
    server = f"redis://127.0.0.1:{free_port()}/0"
    return resilient.ResilientRedisCache(server, {"OPTIONS": {"socket_connect_timeout": 0.2}})


def test_reads_miss_and_writes_are_dropped(unreachable, caplog, monkeypatch):
    monkeypatch.setattr(resilient, "_last_logged", [-1e9])
    with caplog.at_level(logging.ERROR, logger="community.site.cache"):
        assert unreachable.get("k", "fallback") == "fallback"
        assert unreachable.get_many(["a", "b"]) == {}
        unreachable.set("k", 1)
        unreachable.set_many({"a": 1})
        assert unreachable.add("k", 1) is False
        assert unreachable.has_key("k") is False
        unreachable.delete("k")
        with pytest.raises(ValueError):  # what a missing key does: callers fall back
            unreachable.incr("k")
    # Logged, once per interval.
    [record] = caplog.records
    assert "Cache unavailable" in record.getMessage()


def test_the_plain_redis_cache_would_have_failed():
    plain = RedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    with pytest.raises(resilient.UNAVAILABLE):
        plain.get("k")

"""Django's Redis cache, made to degrade instead of failing requests when Redis is away.

Everything this project keeps in the cache can be lost without losing data:
rate-limit counters, throttles, presence. So when Redis does not answer, reads
miss, writes are dropped and the request goes on (rate limits fail open for
that time). Failures are logged, at most once every ``LOG_EVERY`` seconds per
process, so an outage shows without flooding the log. Sessions live in the
database, not here; the channel layer has its own recovery (the outbox).
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
LOG_EVERY = 10.0
_last_logged = [0.0]


def _degrades_to(fallback):
    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                now = time.monotonic()
                if now - _last_logged[0] >= LOG_EVERY:
                    _last_logged[0] = now
                    logger.error("Cache unavailable in %s: %s", method.__name__, error)
                return fallback(*args) if callable(fallback) else fallback

        return guarded

    return decorate


class ResilientRedisCacheClient(RedisCacheClient):
    add = _degrades_to(False)(RedisCacheClient.add)
    get = _degrades_to(lambda key, default: default)(RedisCacheClient.get)
    set = _degrades_to(None)(RedisCacheClient.set)
    touch = _degrades_to(False)(RedisCacheClient.touch)
    delete = _degrades_to(False)(RedisCacheClient.delete)
    get_many = _degrades_to({})(RedisCacheClient.get_many)
    has_key = _degrades_to(False)(RedisCacheClient.has_key)
    set_many = _degrades_to([])(RedisCacheClient.set_many)
    delete_many = _degrades_to(None)(RedisCacheClient.delete_many)
    clear = _degrades_to(False)(RedisCacheClient.clear)

    def incr(self, key, delta):
        try:
            return super().incr(key, delta)
        except UNAVAILABLE as error:
            # What a missing key does: the caller's fallback path (usually add/set).
            raise ValueError(f"Cache unavailable: {error}") from error


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient

"""Rate limits and failure backoff.

`limiter` (Flask-Limiter) counts requests per IP (or per API token): Redis-backed when
REDIS_URL is set, in memory otherwise, and in memory too while Redis does not answer (a
Redis outage never turns a sign-in or a constituent's letter into a 500).

`Backoff` counts *failures* per key (an account's email, an IP's bad API tokens): after
`free` failures each further attempt must wait twice as long as the last, up to `cap`
seconds. Sign-in is limited per account this way as well as per IP, so a wrong password
typed behind a shared proxy locks out neither everyone behind it nor the account forever.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from redis import Redis
from redis.exceptions import RedisError

from tracker.mailbox import normalize_email  # noqa: F401 - re-exported for views

log = logging.getLogger(__name__)
limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    headers_enabled=True,
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)
REDIS_TIMEOUT = 0.5  # seconds; a dead Redis must not hold a request


def init(app: Flask, redis_url: str | None) -> None:
    """Bind the limiter to the app with the right storage."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if redis_url:
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT},
        )
        app.extensions["tracker.limits_redis"] = Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
    limiter.init_app(app)


class Backoff:
    """Exponential backoff on failures per key; Redis when it answers, memory otherwise."""

    def __init__(self, name: str, *, free: int, base: float, cap: float, window: int) -> None:
        self.name, self.free, self.base, self.cap, self.window = name, free, base, cap, window
        self._lock = threading.Lock()

    @property
    def _memory(self) -> dict[str, tuple[int, float, float]]:
        """This app's in-memory counts: key -> (failures, wait until, forget at)."""
        return current_app.extensions.setdefault(f"tracker.backoff.{self.name}", {})

    def _redis(self) -> Redis | None:
        return current_app.extensions.get("tracker.limits_redis")

    def _key(self, key: str) -> str:
        return f"tracker:backoff:{self.name}:{key}"

    def _delay(self, count: int) -> float:
        if count < self.free:
            return 0.0
        return min(self.cap, self.base * 2 ** (count - self.free))

    def wait(self, key: str) -> int:
        """Seconds before `key` may try again (0: now)."""
        now = time.time()
        redis = self._redis()
        if redis is not None:
            try:
                until = redis.hget(self._key(key), "until")
                return max(0, int(float(until or 0) - now + 0.999))
            except RedisError:
                log.warning("Redis does not answer; %s backoff uses memory", self.name)
        with self._lock:
            _count, until, expires = self._memory.get(key, (0, 0.0, 0.0))
            return max(0, int(until - now + 0.999)) if expires > now else 0

    def failure(self, key: str) -> None:
        """Count one failure for `key` and start its next wait."""
        now = time.time()
        redis = self._redis()
        if redis is not None:
            try:
                name = self._key(key)
                count = int(redis.hincrby(name, "count", 1))
                pipe = redis.pipeline()
                pipe.hset(name, "until", now + self._delay(count))
                pipe.expire(name, self.window)
                pipe.execute()
                return
            except RedisError:
                log.warning("Redis does not answer; %s backoff uses memory", self.name)
        with self._lock:
            memory = self._memory
            if len(memory) > 100_000:
                for stale in [k for k, v in memory.items() if v[2] <= now]:
                    del memory[stale]
            count, _until, expires = memory.get(key, (0, 0.0, 0.0))
            count = count + 1 if expires > now else 1
            memory[key] = (count, now + self._delay(count), now + self.window)

    def reset(self, key: str) -> None:
        """Forget `key`'s failures (after a success)."""
        redis = self._redis()
        if redis is not None:
            try:
                redis.delete(self._key(key))
            except RedisError:
                log.warning("Redis does not answer; %s backoff uses memory", self.name)
        with self._lock:
            self._memory.pop(key, None)


# Five wrong passwords for one account are free; then 1 s, 2 s, 4 s ... up to 15 minutes.
login_backoff = Backoff("login", free=5, base=1.0, cap=900.0, window=24 * 3600)
# Twenty unknown API tokens from one IP are free; then 1 s, 2 s ... up to 10 minutes.
api_token_backoff = Backoff("api-token", free=20, base=1.0, cap=600.0, window=3600)

"""What a warm Lambda container remembers: every cache bounded, TTL-aware, and one ``reset()``.

cachetools provides the LRU and TTL maps. What it does not do, and a container needs, is here:
a lock (a handler may run threads), a hook to close what an evicted entry holds (a Jira client's
connections), and a registry so tests and benchmarks start a "new container" with one call.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import TTLCache

_resets: list[Callable[[], None]] = []


class _Evicting[K, V](TTLCache[K, V]):
    """cachetools' TTL map (least recently used first when full) that tells ``on_evict`` of
    every value it drops, whether to make room or because it expired."""

    def __init__(
        self,
        maxsize: int,
        ttl: float,
        on_evict: Callable[[V], None] | None,
        timer: Callable[[], float],
    ) -> None:
        super().__init__(maxsize, ttl, timer)
        self._on_evict = on_evict

    def popitem(self) -> tuple[K, V]:
        key, value = super().popitem()
        if self._on_evict is not None:
            self._on_evict(value)
        return key, value

    def expire(self, time: Any = None) -> list[tuple[K, V]]:
        expired = list(super().expire(time))
        if self._on_evict is not None:
            for _, value in expired:
                self._on_evict(value)
        return expired


class ContainerCache[K: Hashable, V]:
    """A thread-safe map of at most ``maxsize`` entries, each living ``ttl`` seconds if set.

    The least recently used entry goes first when full; ``on_evict`` sees every value that
    leaves, whether evicted, expired, popped or cleared.
    """

    def __init__(
        self,
        *,
        maxsize: int,
        ttl: float | None = None,
        on_evict: Callable[[V], None] | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._data = _Evicting[K, V](maxsize, math.inf if ttl is None else ttl, on_evict, timer)
        self._on_evict = on_evict
        self._lock = threading.Lock()
        _resets.append(self.clear)

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._data.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            old = self._data.get(key)
            self._data[key] = value
        if old is not None and old is not value and self._on_evict is not None:
            self._on_evict(old)

    def get_or_put(self, key: K, build: Callable[[], V]) -> V:
        """The cached value, or ``build()``'s, stored (built under the lock: build is cheap)."""
        with self._lock:
            value = self._data.get(key)
            if value is None:
                value = build()
                self._data[key] = value
            return value

    def pop(self, key: K) -> None:
        with self._lock:
            value = self._data.pop(key, None)
        if value is not None and self._on_evict is not None:
            self._on_evict(value)

    def clear(self) -> None:
        with self._lock:
            values = list(self._data.values())
            self._data.clear()
        if self._on_evict is not None:
            for value in values:
                self._on_evict(value)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


def once[T](build: Callable[[], T]) -> Callable[[], T]:
    """``build()``'s result, made on first use (never at import) and kept until ``reset()``."""
    cached = functools.cache(build)
    _resets.append(cached.cache_clear)
    return cached


def reset() -> None:
    """Forgets everything: what a new container would start with (tests, benchmarks)."""
    for clear in _resets:
        clear()

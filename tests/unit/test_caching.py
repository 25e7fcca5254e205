"""The container cache: bounded, expiring, closing what leaves, and one reset for all."""

from __future__ import annotations

from jira_sync import caching
from jira_sync.caching import ContainerCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_given_a_full_cache_when_one_more_is_put_then_the_least_recently_used_leaves() -> None:
    closed: list[str] = []
    cache: ContainerCache[str, str] = ContainerCache(maxsize=2, on_evict=closed.append)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # b is now the least recently used
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    assert closed == ["B"]


def test_given_a_ttl_when_it_passes_then_the_entry_is_gone_and_evicted() -> None:
    clock = Clock()
    closed: list[str] = []
    cache: ContainerCache[str, str] = ContainerCache(
        maxsize=4, ttl=10, on_evict=closed.append, timer=clock
    )
    cache.put("a", "A")
    clock.now += 9.9
    assert cache.get("a") == "A"
    clock.now += 0.2
    assert cache.get("a") is None
    cache.put("b", "B")  # expiry is noticed on the next write
    assert closed == ["A"]


def test_given_a_replaced_or_popped_value_then_on_evict_sees_the_old_one() -> None:
    closed: list[str] = []
    cache: ContainerCache[str, str] = ContainerCache(maxsize=4, on_evict=closed.append)
    cache.put("a", "A1")
    cache.put("a", "A2")
    cache.pop("a")
    cache.pop("missing")
    assert closed == ["A1", "A2"]
    assert len(cache) == 0


def test_given_get_or_put_then_build_runs_only_on_a_miss() -> None:
    cache: ContainerCache[str, object] = ContainerCache(maxsize=4)
    built: list[object] = []

    def build() -> object:
        built.append(object())
        return built[-1]

    first = cache.get_or_put("k", build)
    assert cache.get_or_put("k", build) is first
    assert len(built) == 1


def test_given_caches_and_singletons_when_reset_then_all_start_again() -> None:
    closed: list[str] = []
    cache: ContainerCache[str, str] = ContainerCache(maxsize=4, on_evict=closed.append)
    cache.put("a", "A")
    calls: list[int] = []

    @caching.once
    def client() -> int:
        calls.append(1)
        return len(calls)

    assert client() == client() == 1
    caching.reset()
    assert cache.get("a") is None
    assert closed == ["A"]
    assert client() == 2

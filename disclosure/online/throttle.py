"""Counters in the cache for the public forms: submissions per address and failed status
look-ups per address and per application number. The keys hold a keyed hash of the address or
number, never the value itself."""

from __future__ import annotations

from django.core.cache import cache
from django.utils.crypto import salted_hmac

PREFIX = "online:"


def _key(kind: str, value: str) -> str:
    return PREFIX + kind + ":" + salted_hmac("disclosure.online.throttle", value).hexdigest()[:32]


def count(kind: str, value: str) -> int:
    return cache.get(_key(kind, value), 0)


def hit(kind: str, value: str, *, seconds: int) -> int:
    """Add one to the counter (which expires ``seconds`` after its first hit); the new count."""
    key = _key(kind, value)
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


def clear(kind: str, value: str) -> None:
    cache.delete(_key(kind, value))

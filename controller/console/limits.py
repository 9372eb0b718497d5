"""How the console slows down password guessing, in three limits that each stop one kind of attack:

- one name from one address (a person mistyping, a script on one PC): ``PAIR_FAILURES`` failures lock that pair;
- one address trying many names (a script walking a list of users): ``ADDRESS_FAILURES`` failures, whatever the
  names, lock that address;
- one name from many addresses (a spread-out guess at the clerk's password): ``NAME_FAILURES`` failures from at
  least ``NAME_ADDRESSES`` addresses lock that name, but only from addresses where it has not logged in
  recently: the clerk's own PC keeps working, so nobody can lock a user out of the place they work from.

Each limit counts failures within ``FAILURE_WINDOW_S``; a lock lasts ``LOCKOUT_S`` from the last failure, and even
the right password waits it out. Memory is bounded: the last few failures of at most ``MAX_KEYS`` pairs, addresses
and names, and ``MAX_KEYS`` known (name, address) pairs, the least recent forgotten first.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

PAIR_FAILURES = 5
ADDRESS_FAILURES = 10
NAME_FAILURES = 20
NAME_ADDRESSES = 3
FAILURE_WINDOW_S = 300.0
LOCKOUT_S = 60.0
TRUSTED_S = 30 * 86400.0  # a successful login makes its address "known" for the name this long
MAX_KEYS = 10_000  # per kind of key (pairs, addresses, names, known pairs)

K = TypeVar("K", bound=Hashable)


@dataclass
class _Recent(Generic[K]):
    """The last ``keep`` failures per key (time, address), for at most ``MAX_KEYS`` keys, least recent dropped."""

    keep: int
    by_key: dict[K, deque[tuple[float, str]]] = field(default_factory=dict)

    def add(self, key: K, now: float, address: str) -> deque[tuple[float, str]]:
        times = self.by_key.pop(key, None) or deque(maxlen=self.keep)
        times.append((now, address))
        self.by_key[key] = times  # re-inserted: the dict's order is the order of last failure
        while len(self.by_key) > MAX_KEYS:
            del self.by_key[next(iter(self.by_key))]
        return times

    def full_within(self, key: K, now: float) -> deque[tuple[float, str]] | None:
        """The key's failures when there are ``keep`` of them inside the window ending now, else None."""
        times = self.by_key.get(key)
        if times is None or len(times) < self.keep or times[-1][0] - times[0][0] >= FAILURE_WINDOW_S:
            return None
        return times


@dataclass
class LoginLimiter:
    """Failure counts per (name, address), per address and per name, and the locks they set."""

    clock: Callable[[], float] = time.monotonic
    _pair: _Recent[tuple[str, str]] = field(default_factory=lambda: _Recent(PAIR_FAILURES))
    _address: _Recent[str] = field(default_factory=lambda: _Recent(ADDRESS_FAILURES))
    _name: _Recent[str] = field(default_factory=lambda: _Recent(NAME_FAILURES))
    _trusted: dict[tuple[str, str], float] = field(default_factory=dict)  # (name, address) -> last success

    def _until(self, times: deque[tuple[float, str]] | None) -> float:
        return times[-1][0] + LOCKOUT_S if times is not None else 0.0

    def locked_for(self, name: str, address: str) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: now)."""
        now = self.clock()
        until = [
            self._until(self._pair.full_within((name, address), now)),
            self._until(self._address.full_within(address, now)),
        ]
        last_ok = self._trusted.get((name, address))
        if last_ok is None or now - last_ok >= TRUSTED_S:
            spread = self._name.full_within(name, now)
            if spread is not None and len({a for _, a in spread}) >= NAME_ADDRESSES:
                until.append(self._until(spread))
        return max(0.0, max(until) - now)

    def failed(self, name: str, address: str) -> None:
        """A wrong password (or an unknown name) from ``address``: counted for the pair, the address, the name."""
        now = self.clock()
        self._pair.add((name, address), now, address)
        self._address.add(address, now, address)
        self._name.add(name, now, address)

    def succeeded(self, name: str, address: str) -> None:
        """A right password: that pair's failures are forgiven and the address becomes known for the name."""
        self._pair.by_key.pop((name, address), None)
        self._trusted.pop((name, address), None)
        self._trusted[(name, address)] = self.clock()  # re-inserted: the order of last success
        while len(self._trusted) > MAX_KEYS:
            del self._trusted[next(iter(self._trusted))]

    def tracked(self) -> int:
        """How many keys the limiter holds (for the memory test): bounded by four times ``MAX_KEYS``."""
        return len(self._pair.by_key) + len(self._address.by_key) + len(self._name.by_key) + len(self._trusted)

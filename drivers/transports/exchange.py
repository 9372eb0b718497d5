"""The pieces of a request the engine (``drivers/transports/link.py``) is made of, usable on their own.

A splitter's contract (``Splitter``) and an adapter for a codec's pull-style framer (``PulledFrames``); one
request in flight (``Exchange``) with the ways a router resolves it; the checks and limits every line applies
to a request before it is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from drivers.errors import DecodeError, InvalidArgument

F = TypeVar("F")
R = TypeVar("R")
F_co = TypeVar("F_co", covariant=True)


def fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    """Fail ``future`` unless it is done, marking the error retrieved (a waiter that gave up must not log it)."""
    if not future.done():
        future.set_exception(exc)
        future.exception()


class Splitter(Protocol[F_co]):
    """Sans-IO framing: bytes in, whole frames (or DecodeErrors for what it skipped) out."""

    def feed(self, data: bytes) -> Sequence[F_co | DecodeError]: ...

    def reset(self) -> None:
        """Forget a partial frame (the link was reopened)."""


class Framer(Protocol):
    """A codec's pull-style framer: bytes in with ``feed()``, then ``next_frame()`` until None (a DecodeError for
    what it skipped)."""

    def feed(self, data: bytes) -> None: ...

    def next_frame(self) -> bytes | None: ...


class PulledFrames(Generic[F]):
    """A Splitter over a pull-style framer: each whole frame through ``decode`` (a DecodeError from the framer or
    from ``decode`` is handed on in the frame's place); ``reset()`` starts a fresh framer."""

    def __init__(self, make_framer: Callable[[], Framer], decode: Callable[[bytes], F]) -> None:
        self._make_framer = make_framer
        self._decode = decode
        self._framer = make_framer()

    def feed(self, data: bytes) -> Sequence[F | DecodeError]:
        self._framer.feed(data)
        out: list[F | DecodeError] = []
        while True:
            try:
                raw = self._framer.next_frame()
                if raw is None:
                    return out
                out.append(self._decode(raw))
            except DecodeError as exc:
                out.append(exc)

    def reset(self) -> None:
        self._framer = self._make_framer()


def check_address(address: object, allowed: range) -> None:
    """InvalidArgument unless ``address`` is an int in ``allowed`` (a camera or dome on a shared line)."""
    if not isinstance(address, int) or isinstance(address, bool) or address not in allowed:
        raise InvalidArgument(f"address: {address!r} is outside {allowed.start}..{allowed.stop - 1}")


def limit_s(given_s: float | None, default_ms: float) -> float:
    """A request's time limit in seconds: the caller's, else the profile's default (in ms)."""
    return given_s if given_s is not None else default_ms / 1000


def _new_future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


@dataclass(eq=False)
class Exchange(Generic[R]):
    """One request in flight: what was sent, its first reply and, for a command that ends later, its end."""

    data: bytes
    first: asyncio.Future[R] = field(default_factory=_new_future)  # a refusal arrives as its exception
    accept: Callable[[R], bool] | None = None  # which frame answers it, where the key alone does not say
    inquiry: bool = False  # VISCA: an inquiry (an answer comes) rather than a command (ACK, then Completion)
    detached: bool = False  # its sender stopped waiting for the end: a late Completion or error is absorbed
    wait_s: float = 0.0  # how long each send waits for the first reply (the link's timer)
    resends: int = 0  # sends left after the one waiting now
    _done: asyncio.Future[None] | None = field(default=None, repr=False)

    @property
    def done(self) -> asyncio.Future[None]:
        """The request's end (a command's Completion); made when first asked for, as most requests (inquiries,
        polls) end with their first reply and never need one."""
        if self._done is None:
            self._done = _new_future()
        return self._done

    @property
    def waiting(self) -> bool:
        """True until its first reply (or refusal) arrived."""
        return not self.first.done()

    def refuse(self, exc: BaseException) -> None:
        """Fail the first reply (a NAK, an error frame) unless it came already."""
        fail(self.first, exc)

    def finish(self) -> None:
        """The request ended (a Completion); a second end is ignored."""
        if not self.done.done():
            self.done.set_result(None)

    def abort(self, exc: BaseException) -> None:
        """The request failed after its first reply (an error in place of its Completion)."""
        fail(self.done, exc)

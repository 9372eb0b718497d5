"""One fault vocabulary for every simulated device, on one base: ``FaultHandle``.

Every handle ``SimulatedRoom.device(id)`` gives is a FaultHandle, and every one speaks the same words:

- ``unplug()`` / ``replug()``: the device's port vanishes and comes back under the same name (a pulled adapter,
  a dead converter; every device of a shared line goes with it). Where each device of a line can leave it alone
  (a camera of a VISCA daisy chain, a Pelco dome) the family says so by overriding the two.
- ``fall_silent(silent=True)`` / ``resume()``: the device stops answering (hung firmware), then answers again.
- ``garble(count=1, transform=None)``: its next ``count`` replies are corrupted (``transform``, or the family's
  own corruption).
- ``slow(delay_s)``: every reply on its port comes ``delay_s`` late (0: on time again), as over a congested
  link; on a shared line every device on it.

and what its family adds (``press_power``, ``set_disk``, ``drop_next_reply``, ``refuse_next``...; a device of a
shared line that can leave it alone adds ``unplug_line``/``replug_line``, its whole line's adapter). A handle
that cannot honor a word (a USB device cannot be slowed, a video input cannot garble) leaves it out of
``honors``; asking for it raises a SimError naming the device and the word. The family's protocol code reads
the handle's ``faults`` (a ``Faults``): whether it is silent, and what its next reply becomes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import ClassVar, Protocol

from sim.errors import SimError

Transform = Callable[[bytes], bytes]

COMMON = ("unplug", "replug", "silent", "resume", "garble", "slow")
"""The faults every device may show, in the fault control's words (``silent`` is ``fall_silent()``)."""


def flip(reply: bytes) -> bytes:
    """A corruption no decoder accepts: every byte XORed with 0x55."""
    return bytes(b ^ 0x55 for b in reply)


class Faults:
    """What a device's protocol code reads to misbehave: ``silent``, and ``garbled(reply)`` for each reply."""

    def __init__(self, garble: Transform = flip) -> None:
        self.silent = False
        self.corrupt = garble  # the family's own corruption, used when a garble names none
        self._garbles: deque[Transform] = deque()

    @property
    def garbles(self) -> int:
        """How many of the next replies will be corrupted."""
        return len(self._garbles)

    def add_garbles(self, count: int, transform: Transform | None = None) -> None:
        self._garbles.extend([transform or self.corrupt] * count)

    def garbled(self, reply: bytes) -> bytes:
        """The reply as it leaves: corrupted when a garble is due (which uses it up), else unchanged."""
        return self._garbles.popleft()(reply) if self._garbles else reply


class Pluggable(Protocol):
    """A device's port as a fault sees it (every sim Endpoint is one)."""

    def unplug(self) -> None: ...

    def replug(self) -> None: ...

    slows: ClassVar[bool]  # whether what it sends can be delayed

    def slow(self, delay_s: float) -> None: ...


class FaultHandle(ABC):
    """The base of every simulated device's handle: the common faults, honored as ``honors`` says."""

    honors: frozenset[str] = frozenset(COMMON)
    """The common faults this device shows (a family narrows it when a word means nothing for its devices)."""

    SIGNALS = frozenset({"unplug", "replug"})
    """What a device that only delivers a signal or files (a microphone, a video input, a store) shows."""

    faults: Faults
    device_id: str | None = None

    @property
    @abstractmethod
    def port(self) -> Pluggable:
        """The port the device's replies leave by: what unplug, replug and slow act on."""

    def offers(self) -> list[str]:
        """The common faults this device shows, in the fault control's words."""
        return [name for name in COMMON if name in self.honors and (name != "slow" or self.port.slows)]

    def _check(self, fault: str) -> None:
        if fault not in self.offers():
            what = f"{type(self).__name__} {self.device_id or ''}".strip()
            raise SimError(f"{what} cannot show '{fault}' (it shows: {', '.join(self.offers())})")

    def unplug(self) -> None:
        """The device's port vanishes."""
        self._check("unplug")
        self.port.unplug()

    def replug(self) -> None:
        """The port comes back under the same name."""
        self._check("replug")
        self.port.replug()

    @property
    def silent(self) -> bool:
        """Fallen silent: answering nothing."""
        return self.faults.silent

    def fall_silent(self, silent: bool = True) -> None:
        """Stop answering (a hung device) until ``resume()`` (or ``fall_silent(False)``)."""
        self._check("silent")
        self.faults.silent = silent

    def resume(self) -> None:
        """Answer again."""
        self._check("resume")
        self.faults.silent = False

    def garble(self, count: int = 1, transform: Transform | None = None) -> None:
        """Corrupt the next ``count`` replies with ``transform`` (default: the family's own corruption)."""
        self._check("garble")
        if count < 1:
            raise SimError(f"garble: the count must be at least 1, not {count}")
        self.faults.add_garbles(count, transform)

    def slow(self, delay_s: float) -> None:
        """Every reply on the device's port comes ``delay_s`` late (0: on time again)."""
        self._check("slow")
        if not delay_s >= 0:
            raise SimError(f"slow: the delay must be 0 s or more, not {delay_s}")
        self.port.slow(delay_s)


class LineFaults(FaultHandle):
    """A device on a line of its family's (``line`` with an ``endpoint`` and ``faults`` per device): the common
    case where the device's port is its line's endpoint."""

    line: _HasEndpoint

    @property
    def port(self) -> Pluggable:
        return self.line.endpoint


class _HasEndpoint(Protocol):
    @property
    def endpoint(self) -> Pluggable: ...


class _Line(_HasEndpoint, Protocol):
    def unplug(self) -> None: ...

    def replug(self) -> None: ...


class ChainMember(FaultHandle):
    """A device among several on one shared line that can leave it alone (a camera of a VISCA daisy chain, a
    Pelco dome): ``unplug``/``replug`` take this device off the line and put it back while the line and its
    other devices stay; ``unplug_line``/``replug_line`` pull the whole line's adapter and put it back (every
    device on it goes); ``drop_next_reply`` loses its own next replies. ``slow`` still delays the whole line
    (``bus.endpoint``). The family's code sends a reply only when ``_passes()``."""

    bus: _Line
    plugged = True
    _drops = 0

    @property
    def port(self) -> Pluggable:
        return self.bus.endpoint

    def unplug(self) -> None:
        """Take the device off the line: it stops hearing and answering."""
        self.plugged = False

    def replug(self) -> None:
        """Put it back on the line."""
        self.plugged = True

    def unplug_line(self) -> None:
        """The whole line's port vanishes (its adapter pulled): every device on it goes, keeping its state."""
        self.bus.unplug()

    def replug_line(self) -> None:
        """The line's port comes back under the same name."""
        self.bus.replug()

    def drop_next_reply(self, count: int = 1) -> None:
        """The next ``count`` frames this device sends are lost."""
        self._drops += count

    def _passes(self) -> bool:
        """Whether a reply leaves now: plugged, not silent, not dropped (a due drop is used up)."""
        if not self.plugged or self.faults.silent:
            return False
        if self._drops:
            self._drops -= 1
            return False
        return True

"""What a test may read and do to any simulated device of a class, whatever protocol it speaks.

Every family's simulator twin returns, from ``SimulatedRoom.device(id)``, a handle that satisfies the
protocol of its class, so one functional suite per class runs unchanged against every family. Every handle is
also a ``sim.faults.FaultHandle``: the faults (unplug, replug, fall_silent, resume, garble, slow) are that
base's, one vocabulary for every class; what a class adds (a remote's power key, a disk, a talk button) is here.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class DisplayHandle(Protocol):
    """A simulated display or projector."""

    @property
    def power(self) -> bool:
        """On (or warming up)."""

    @property
    def input_code(self) -> str:
        """The selected input's wire code, as the family writes it (compare case-insensitively)."""

    @property
    def volume(self) -> int: ...

    @property
    def mute(self) -> bool: ...

    def press_power(self, on: bool) -> None:
        """Someone used the remote control or the front panel: the state changes without the controller."""


@runtime_checkable
class RecorderHandle(Protocol):
    """A simulated recording unit."""

    @property
    def transport(self) -> str:
        """``stopped``, ``record``, ``play`` (or another of the family's states)."""

    @property
    def clip(self) -> str | None:
        """The clip being recorded or last recorded (None when the family has no clip names)."""

    def set_disk(self, present: bool, remaining_s: int | None = None) -> None:
        """Insert or pull the disk; ``remaining_s`` = 0 is a full disk. Pulling it stops a recording."""

    def set_remote(self, enabled: bool) -> None:
        """The front panel's remote/local switch."""

    def press_stop(self) -> None:
        """Someone pressed stop on the unit itself."""


@runtime_checkable
class MicSystemHandle(Protocol):
    """A simulated conference microphone system."""

    @property
    def active(self) -> set[int]:
        """Seats whose microphone is on."""

    def press(self, seat: int) -> None:
        """A delegate presses the talk button: the mic goes on (and the system reports it)."""

    def release(self, seat: int) -> None:
        """The mic goes off."""

    def request(self, seat: int) -> None:
        """A delegate asks to speak (request queue)."""


@runtime_checkable
class AudioProcessorHandle(Protocol):
    """A simulated DSP."""

    def level(self, tag: str, index: int) -> float: ...

    def muted(self, tag: str, index: int) -> bool: ...

    def turn_knob(self, tag: str, index: int, level_db: float) -> None:
        """A level changed by someone else (a wall panel): subscribed clients are told."""


@runtime_checkable
class CameraHandle(Protocol):
    """A simulated PTZ camera (VISCA, VISCA over IP, Pelco, USB); its faults act on it alone on a shared line."""

    @property
    def power(self) -> bool: ...

    @property
    def pan(self) -> int: ...

    @property
    def tilt(self) -> int: ...

    @property
    def zoom(self) -> int: ...

    @property
    def moving(self) -> bool: ...

    @property
    def presets(self) -> dict[int, tuple[int, int, int]]:
        """Stored presets by wire number: (pan, tilt, zoom)."""

    def set_position(self, *, pan: int | None = None, tilt: int | None = None, zoom: int | None = None) -> None:
        """Put the head somewhere at once (scenario set-up, not a command)."""

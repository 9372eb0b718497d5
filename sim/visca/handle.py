"""The handle tests and scenarios use to read and disturb one simulated camera on its bus.

The faults are sim/faults.py's, acting on this camera only (the others on the same line are unaffected), but
for `slow`, which delays the whole line:
- `unplug()`: the camera is off the line: it hears nothing and sends nothing (its head still finishes a move).
- `fall_silent()`: the camera still hears and obeys commands but sends nothing (a dead transmit line or a hung
  reply path); `resume()` ends it.
- `garble()` and the camera's own `drop_next_reply()`: the next frame(s) it sends arrive corrupted or vanish.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sim.faults import ChainMember, Faults
from sim.visca.camera import ViscaCamera

if TYPE_CHECKING:
    from sim.visca.bus import ViscaBus

def garble(frame: bytes) -> bytes:
    """Default corruption: every byte but the final FF XORed with 0x55, so the header is no longer valid."""
    return bytes(b ^ 0x55 for b in frame[:-1]) + frame[-1:]


class CameraView:
    """Read-only view of a simulated VISCA camera's state, shared by the serial and the IP handles."""

    camera: ViscaCamera

    @property
    def power(self) -> bool:
        """True when on, False in standby."""
        return self.camera.power

    @property
    def pan(self) -> int:
        """Pan position now."""
        return self.camera.pan

    @property
    def tilt(self) -> int:
        """Tilt position now."""
        return self.camera.tilt

    @property
    def zoom(self) -> int:
        """Zoom position now."""
        return self.camera.zoom

    @property
    def presets(self) -> dict[int, tuple[int, int, int]]:
        """Stored presets: number -> (pan, tilt, zoom)."""
        return dict(self.camera.presets)

    @property
    def moving(self) -> bool:
        """True while pan, tilt or zoom moves."""
        return self.camera.moving


class SimCamera(CameraView, ChainMember):
    """One camera on a `ViscaBus`: readable state plus the faults a test can inject."""

    bus: ViscaBus

    def __init__(self, bus: ViscaBus, camera: ViscaCamera, device_id: str | None = None) -> None:
        self.bus = bus
        self.camera = camera
        self.device_id = device_id
        self.faults = Faults(garble=garble)
        self._timer: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        return f"<SimCamera {self.device_id or ''} address={self.address} plugged={self.plugged}>"

    # -- state ----------------------------------------------------------------------------------------

    @property
    def address(self) -> int:
        """VISCA address (1..7)."""
        return self.camera.address

    def set_position(self, *, pan: int | None = None, tilt: int | None = None, zoom: int | None = None) -> None:
        """Put the head somewhere at once (scenario set-up, not a command)."""
        self.camera.set_position(pan=pan, tilt=tilt, zoom=zoom)

    def set_power(self, on: bool) -> None:
        """Switch the camera on or to standby at once (scenario set-up, not a command; moves are not stopped)."""
        self.camera.power = on

    # -- faults ---------------------------------------------------------------------------------------

    def replug(self) -> None:
        """Put it back on the line (no Network change is sent; call `send_network_change()` for one)."""
        self.plugged = True

    def send_network_change(self) -> None:
        """Send `z0 38 FF`, as a camera does at power-up or when the chain changes."""
        self._send(self.camera.network_change())

    # -- used by the bus ------------------------------------------------------------------------------

    def receive(self, frame: bytes) -> None:
        """A frame addressed to this camera arrived on the line."""
        if not self.plugged:
            return
        for reply in self.camera.handle(frame):
            self._send(reply)
        self._schedule()

    def clear_interface(self) -> None:
        """Broadcast IF_Clear reached this camera."""
        self.camera.clear_interface()
        self._schedule()

    def cancel_timer(self) -> None:
        """Forget the pending Completion timer (the bus is closing)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _send(self, frame: bytes) -> None:
        if self._passes():
            self.bus.send(self.faults.garbled(frame))

    def _schedule(self) -> None:
        self.cancel_timer()
        deadline = self.camera.next_deadline()
        if deadline is not None:
            delay = max(0.0, deadline - self.bus.clock())
            self._timer = self.bus.loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        for reply in self.camera.due():
            self._send(reply)
        self._schedule()

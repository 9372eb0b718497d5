"""A simulated Sony VISCA-over-IP camera: sim.visca.camera.ViscaCamera behind the 8-byte header, on UDP.

Datagrams are `[type:2][payload length:2][sequence:4][payload]` (docs/protocols-visca-ip.md). The camera echoes
each request's sequence number in every reply to it; a Completion that comes later carries the number of the
command that started it. Choices where the reference is silent (the tests pin them down):
- Error replies (`0F 01` sequence, `0F 02` message) go as control replies (`02 01`) with the offending number.
- Numbering starts free: the first request after start, replug or RESET is taken whatever its number. After
  that, in strict mode, a request must carry the last number + 1. Sony's VISCA-over-IP description says RESET
  (`02 00 ... 01`) "resets the sequence number to 0; the value that was set as the sequence number is
  ignored": the camera forgets its count and the controller's next message starts it again, so a controller
  that follows RESET with 1 (this project's driver) and one that follows it with 2 (the `visca-over-ip`
  client, which counts the RESET itself) are both taken (docs/protocols-visca-ip.md).
- A request that repeats the last number is a retransmit: the replies already sent for it are sent again and the
  command is not run twice.
- Device-setting messages (`01 20`) and control payloads other than RESET get `0F 02`; datagrams shorter than a
  header are ignored. The payload's address byte is not checked (the address is fixed).
Faults for tests: drop incoming datagrams, drop or garble replies, unplug/replug the port, fall silent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sim.camera_profile import CameraProfile
from sim.endpoints import Endpoint, UdpEndpoint
from sim.errors import SimConfigError
from sim.faults import FaultHandle, Faults, Pluggable
from sim.registry import BuiltLine, DeviceSpec, register_endpoint, register_family
from sim.visca.camera import ViscaCamera
from sim.visca.handle import CameraView

COMMAND, INQUIRY, REPLY, DEVICE_SETTING, CONTROL, CONTROL_REPLY = 0x0100, 0x0110, 0x0111, 0x0120, 0x0200, 0x0201
HEADER = 8
RESET = b"\x01"
SEQUENCE_ERROR = b"\x0f\x01"
MESSAGE_ERROR = b"\x0f\x02"



def wrap(kind: int, sequence: int, payload: bytes) -> bytes:
    """A datagram: the 8-byte header, then `payload`."""
    return kind.to_bytes(2, "big") + len(payload).to_bytes(2, "big") + (sequence % 2**32).to_bytes(4, "big") + payload


def garble(datagram: bytes) -> bytes:
    """Default corruption: the payload type becomes `EE EE`, which no decoder accepts."""
    return b"\xee\xee" + datagram[2:]


@dataclass(frozen=True)
class Datagram:
    """One datagram seen by the simulator: `rx` from the driver, `tx` to it."""

    direction: Literal["rx", "tx"]
    data: bytes


class ViscaIpCameraSim(CameraView, FaultHandle):
    """One VISCA-over-IP camera on its own UDP endpoint: a simulated line (open/close) and its test handle.

    `clock` must be the clock the wrapped ViscaCamera keeps time with (both default to time.monotonic).
    """

    def __init__(
        self,
        camera: ViscaCamera,
        endpoint: UdpEndpoint | None = None,
        *,
        strict: bool = True,
        device_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.camera = camera
        self.clock = clock
        self.endpoint = endpoint or UdpEndpoint()
        self.strict = strict
        self.device_id = device_id
        self.faults = Faults(garble=garble)
        self.log: list[Datagram] = []
        self._last: int | None = None
        self._cache: tuple[int, list[bytes]] | None = None
        self._socket_seq: dict[int, int] = {}
        self._drop_in = 0
        self._drop_out = 0
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.endpoint.attach(self._on_datagram, self._forget)

    # -- line -----------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """What a driver opens: `udp://127.0.0.1:PORT` (after `open()`)."""
        return self.endpoint.url

    def open(self) -> None:
        """Bind the port and start answering; needs a running event loop."""
        self._loop = asyncio.get_running_loop()
        self.endpoint.open()

    def close(self) -> None:
        """Stop answering, cancel the Completion timer and close the port."""
        self._cancel_timer()
        self.endpoint.close()

    # -- state ----------------------------------------------------------------------------------------

    @property
    def last_sequence(self) -> int | None:
        """The number of the last request taken (None until the first, or after replug)."""
        return self._last

    def received(self) -> list[bytes]:
        """Datagrams from the driver, oldest first."""
        return [d.data for d in self.log if d.direction == "rx"]

    def set_position(self, *, pan: int | None = None, tilt: int | None = None, zoom: int | None = None) -> None:
        """Put the head somewhere at once (scenario set-up, not a command)."""
        self.camera.set_position(pan=pan, tilt=tilt, zoom=zoom)

    # -- faults ---------------------------------------------------------------------------------------

    def drop_next(self, count: int = 1) -> None:
        """The next `count` datagrams from the driver are lost on the way (the driver must retransmit)."""
        self._drop_in += count

    def drop_next_reply(self, count: int = 1) -> None:
        """The next `count` datagrams the camera sends are lost."""
        self._drop_out += count

    def skew_sequence(self, by: int = 1000) -> None:
        """Make the camera expect another number, as after a reboot or another controller: next is `0F 01`."""
        self._last = ((self._last or 0) + by) % 2**32
        self._cache = None

    @property
    def port(self) -> Pluggable:
        """The camera's UDP port: unplugged, it is closed (the head still finishes a move); replugged, the
        numbering starts free, as after a reboot. Fallen silent, the camera obeys but sends nothing."""
        return self.endpoint

    # -- protocol -------------------------------------------------------------------------------------

    def _forget(self) -> None:
        self._last = None
        self._cache = None

    def _on_datagram(self, data: bytes) -> None:
        self.log.append(Datagram("rx", data))
        if self._drop_in:
            self._drop_in -= 1
            return
        if len(data) < HEADER:
            return
        kind, length = int.from_bytes(data[0:2], "big"), int.from_bytes(data[2:4], "big")
        seq = int.from_bytes(data[4:8], "big")
        payload = data[HEADER:]
        if not 1 <= length <= 16 or length != len(payload) or kind not in (COMMAND, INQUIRY, CONTROL):
            self._send(wrap(CONTROL_REPLY, seq, MESSAGE_ERROR))
        elif kind == CONTROL:
            if payload != RESET:
                self._send(wrap(CONTROL_REPLY, seq, MESSAGE_ERROR))
                return
            self._last, self._cache = None, None  # the next request's number starts the count again
            self._send(wrap(CONTROL_REPLY, seq, RESET))
        elif self._last is not None and seq == self._last and self._cache is not None and self._cache[0] == seq:
            for datagram in self._cache[1]:
                self._send(datagram)
        elif self.strict and self._last is not None and seq != (self._last + 1) % 2**32:
            self._send(wrap(CONTROL_REPLY, seq, SEQUENCE_ERROR))
        else:
            self._last = seq
            mine: list[bytes] = []
            self._cache = (seq, mine)
            for frame in self.camera.handle(payload):
                owner = self._owner(frame, seq)
                datagram = wrap(REPLY, owner, frame)
                if owner == seq:
                    mine.append(datagram)
                self._send(datagram)
            self._schedule()

    def _owner(self, frame: bytes, current: int | None) -> int:
        """The number a reply frame carries: a Completion its command's, anything else the current request's."""
        kind = frame[1] if len(frame) > 2 else 0
        socket_no = kind & 0x0F
        if kind & 0xF0 == 0x40 and current is not None:
            self._socket_seq[socket_no] = current
        elif kind & 0xF0 == 0x50 and socket_no:
            return self._socket_seq.pop(socket_no, current if current is not None else 0)
        elif kind & 0xF0 == 0x60 and socket_no and len(frame) == 4 and frame[2] == 0x04:
            self._socket_seq.pop(socket_no, None)  # cancelled: that command gets no Completion
        return current if current is not None else 0

    def _send(self, datagram: bytes) -> None:
        if self.faults.silent or not self.endpoint.plugged:
            return
        if self._drop_out:
            self._drop_out -= 1
            return
        datagram = self.faults.garbled(datagram)
        self.log.append(Datagram("tx", datagram))
        self.endpoint.write(datagram)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self) -> None:
        self._cancel_timer()
        deadline = self.camera.next_deadline()
        if deadline is not None and self._loop is not None:
            delay = max(0.0, deadline - self.clock())
            self._timer = self._loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        for frame in self.camera.due():
            self._send(wrap(REPLY, self._owner(frame, None), frame))
        self._schedule()


def _build(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    if not isinstance(endpoint, UdpEndpoint):
        raise SimConfigError(
            f"device {devices[0].id!r}: port {devices[0].port} must be a udp://HOST:PORT URL the room serves over UDP"
        )
    if len(devices) != 1:
        raise SimConfigError(f"port {devices[0].port}: one VISCA-over-IP camera per address, got {len(devices)}")
    spec = devices[0]
    if spec.address not in (None, 1):
        raise SimConfigError(f"device {spec.id!r}: VISCA over IP uses address 1, got {spec.address}")
    profile = CameraProfile.from_mapping(spec.model, ref=spec.profile, source=str(spec.model_file))
    sim = ViscaIpCameraSim(ViscaCamera(profile, 1, clock=time.monotonic), endpoint, device_id=spec.id)
    return BuiltLine(sim, {spec.id: sim})


def register() -> None:
    """Teach the simulator the `visca_ip` family (one camera per `udp://` port)."""
    register_family("visca_ip", {"camera"}, _build)
    register_endpoint("udp://", lambda _port, _ctx: UdpEndpoint())

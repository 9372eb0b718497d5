"""A simulated Blackmagic HyperDeck on TCP: shared/protocols.md section 4.2, read independently.

`HyperDeck` keeps the transport, the slots and the remote switch; `HyperDeckSession` speaks the protocol to one
client (banner, commands, its notify settings); `HyperDeckServer` serves one client at a time on a TCP endpoint
and pushes notifications; `HyperDeckHandle` is what tests read and disturb.

Where the reference is silent, this reading chooses:
- Slot 1 holds the disk of `set_disk`; the other slots (`simulate.slots`, 2) are empty. Slot 1 is active.
- The remaining recording time counts down while recording, `countdown_speed` (1) seconds per second; when it
  reaches 0 the recording stops with `508 transport info` (status: stopped) and `502 slot info`. Pulling the
  disk while recording does the same. Notifications go to every subscribed client, the commanding one too.
- Remote control disabled refuses record, stop and play with 111; `remote: enable: true` always works.
- A recording without a name is named `<volume name>_<nnnn>` [U]. Timecode runs at `frame_rate` (25).
- A garbled reply has its first line's bytes flipped into non-ASCII; the rest of the block follows as sent.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.endpoints import Endpoint, Session, TcpEndpoint
from sim.errors import SimConfigError
from sim.registry import BuiltLine, DeviceSpec, register_family

Clock = Callable[[], float]
PARAM_KEYS = (
    "slot id",
    "clip id",
    "single clip",
    "video format",
    "name",
    "transport",
    "slot",
    "remote",
    "configuration",
    "enable",
    "override",
    "speed",
    "loop",
)
_KEY = re.compile(r"(?:^|\s)(" + "|".join(PARAM_KEYS) + r"):\s*")
NOTIFY_KEYS = ("transport", "slot", "remote", "configuration")


def block(code: int, title: str, params: Mapping[str, object] | None = None) -> bytes:
    """A reply: ``200 ok`` or a block ``208 transport info:`` + ``key: value`` lines + a blank line."""
    if params is None:
        return f"{code} {title}\r\n".encode()
    body = "".join(f"{key}: {value}\r\n" for key, value in params.items())
    return f"{code} {title}:\r\n{body}\r\n".encode()


def parse_params(text: str) -> dict[str, str] | None:
    """``name: Court2 slot: true`` -> {name: Court2, slot: true}; None when it does not parse."""
    matches = list(_KEY.finditer(text))
    if not matches or matches[0].start() != 0:
        return None
    params: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        params[match.group(1)] = text[match.end() : end].strip()
    return params


@dataclass
class Slot:
    present: bool
    remaining: float
    volume: str


class HyperDeck:
    """The unit's state; `changed(kinds)` is called with what to notify (transport / slot / remote)."""

    def __init__(self, settings: Mapping[str, Any], clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.model = str(settings.get("model_name", "HyperDeck Studio HD Plus"))
        self.protocol_version = str(settings.get("protocol_version", "1.11"))
        self.video_format = str(settings.get("video_format", "1080i50"))
        self.fps = int(settings.get("frame_rate", 25))
        self.countdown_speed = float(settings.get("countdown_speed", 1.0))
        count = int(settings.get("slots", 2))
        self.slots = {n: Slot(False, 0.0, "") for n in range(1, count + 1)}
        self.slots[1] = Slot(True, float(settings.get("remaining_s", 10800)), str(settings.get("volume", "SSD1")))
        self.active = 1
        self.transport = "stopped"
        self.clip: str | None = None
        self.clips = 0
        self.remote = True
        self._frames = 0.0
        self._since = clock()
        self.changed: Callable[[tuple[str, ...]], None] = lambda kinds: None

    def settle(self) -> None:
        """Run time and the disk countdown up to now; a full disk stops the recording."""
        now = self.clock()
        elapsed, self._since = now - self._since, now
        if self.transport in ("play", "record"):
            self._frames = (self._frames + elapsed * self.fps) % (24 * 3600 * self.fps)
        if self.transport == "record":
            slot = self.slots[self.active]
            slot.remaining = max(0.0, slot.remaining - elapsed * self.countdown_speed)
            if slot.remaining <= 0:
                self.transport = "stopped"
                self.changed(("transport", "slot"))

    def seconds_to_full(self) -> float | None:
        if self.transport != "record" or self.countdown_speed <= 0:
            return None
        return self.slots[self.active].remaining / self.countdown_speed

    @property
    def timecode(self) -> str:
        self.settle()
        total = int(self._frames)
        seconds = total // self.fps
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{total % self.fps:02d}"

    def set_transport(self, state: str) -> None:
        self.settle()
        if state != self.transport:
            self.transport = state
            self.changed(("transport",))

    def record(self, name: str | None) -> int | None:
        """Start recording; the failure code when it cannot."""
        self.settle()
        slot = self.slots[self.active]
        if not slot.present:
            return 105
        if slot.remaining <= 0:
            return 104
        self.clips += 1
        self.clip = name or f"{slot.volume}_{self.clips:04d}"
        self.set_transport("record")
        return None

    def set_disk(self, present: bool, remaining_s: int | None) -> None:
        self.settle()
        slot = self.slots[self.active]
        slot.present = present
        if remaining_s is not None:
            slot.remaining = float(remaining_s)
        if present and not slot.volume:
            slot.volume = "SSD1"
        kinds: tuple[str, ...] = ("slot",)
        if not present and self.transport in ("record", "play"):
            self.transport = "stopped"
            kinds = ("transport", "slot")
        self.changed(kinds)

    def transport_info(self) -> dict[str, object]:
        tc = self.timecode
        return {
            "status": self.transport,
            "speed": 100 if self.transport == "play" else 0,
            "slot id": self.active if self.slots[self.active].present else "none",
            "clip id": self.clips if self.clip else "none",
            "single clip": "false",
            "display timecode": tc,
            "timecode": tc,
            "video format": self.video_format,
            "loop": "false",
        }

    def slot_info(self, number: int) -> dict[str, object]:
        self.settle()
        slot = self.slots[number]
        info: dict[str, object] = {"slot id": number, "status": "mounted" if slot.present else "empty"}
        if slot.present:
            info |= {"volume name": slot.volume, "recording time": int(slot.remaining)}
            info["video format"] = self.video_format
        return info


class HyperDeckSession:
    """One client's connection: the banner, its commands and its notify settings."""

    def __init__(self, server: HyperDeckServer, session: Session) -> None:
        self.server = server
        self.session = session
        self.deck = server.deck
        self.notify = dict.fromkeys(NOTIFY_KEYS, False)
        self._buf = b""
        self._multi: tuple[str, dict[str, str]] | None = None
        deck = self.deck
        if not server.silent:
            banner = {"protocol version": deck.protocol_version, "model": deck.model}
            session.write(block(500, "connection info", banner))

    def received(self, data: bytes) -> None:
        if self.server.silent:
            return
        self._buf += data
        while b"\n" in self._buf:
            raw, self._buf = self._buf.split(b"\n", 1)
            self._line(raw.rstrip(b"\r"))

    def lost(self) -> None:
        self.server.gone(self)

    def _line(self, raw: bytes) -> None:
        try:
            line = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            self.reply(block(100, "syntax error"))
            return
        if self._multi is not None:
            if line:
                params = self._multi[1]
                parsed = parse_params(line)
                if parsed is None:
                    self._multi = None
                    self.reply(block(100, "syntax error"))
                else:
                    params.update(parsed)
                return
            name, params = self._multi
            self._multi = None
            self.command(name, params)
            return
        if not line:
            return
        if line.endswith(":") and ": " not in line:
            self._multi = (line[:-1], {})
            return
        verb, _, rest = line.partition(": ")
        parsed = parse_params(rest) if rest else {}
        if parsed is None:
            self.reply(block(100, "syntax error"))
            return
        self.command(verb, parsed)

    def reply(self, data: bytes) -> None:
        if self.server.garbles:
            self.server.garbles -= 1
            first = data.index(b"\r\n")
            data = bytes(b | 0x80 for b in data[:first]) + data[first:]
        self.session.write(data)

    def command(self, name: str, params: dict[str, str]) -> None:
        """Answer one command; what it changes is notified after the answer, as the unit does."""
        self.server.holding = []
        try:
            self._command(name, params)
        finally:
            held, self.server.holding = self.server.holding, None
            for kinds in held:
                self.server.notify(kinds)

    def _command(self, name: str, params: dict[str, str]) -> None:
        deck = self.deck
        handler = {
            "transport info": lambda: block(208, "transport info", deck.transport_info()),
            "remote info": lambda: block(210, "remote info", {"enabled": _tf(deck.remote), "override": "false"}),
            "device info": lambda: block(204, "device info", self._device_info()),
            "ping": lambda: block(200, "ok"),
        }.get(name)
        if handler is not None and not params:
            self.reply(handler())
        elif name in ("record", "stop", "play"):
            self.reply(self._transport(name, params))
        elif name == "slot info":
            self.reply(self._slot_info(params))
        elif name == "notify":
            self.reply(self._notify(params))
        elif name == "remote" and params.get("enable") in ("true", "false"):
            deck.remote = params["enable"] == "true"
            self.reply(block(200, "ok"))
            deck.changed(("remote",))
        elif name == "quit" and not params:
            self.reply(block(200, "ok"))
            self.session.close()
        else:
            self.reply(block(100, "syntax error"))

    def _transport(self, name: str, params: dict[str, str]) -> bytes:
        deck = self.deck
        if set(params) - ({"name"} if name == "record" else {"speed", "loop", "single clip"}):
            return block(101, "unsupported parameter")
        if not deck.remote:
            return block(111, "remote control disabled")
        if name == "record":
            failure = deck.record(params.get("name") or None)
            if failure is not None:
                return block(failure, "disk full" if failure == 104 else "no disk")
            self.server.arm_full_timer()
        elif name == "play":
            if not deck.slots[deck.active].present:
                return block(105, "no disk")
            deck.set_transport("play")
        else:
            deck.set_transport("stopped")
        return block(200, "ok")

    def _slot_info(self, params: dict[str, str]) -> bytes:
        if set(params) - {"slot id"}:
            return block(101, "unsupported parameter")
        text = params.get("slot id", str(self.deck.active))
        number = int(text) if text.isdigit() else -1
        if number not in self.deck.slots:
            return block(102, "invalid value")
        return block(202, "slot info", self.deck.slot_info(number))

    def _notify(self, params: dict[str, str]) -> bytes:
        if not params:
            return block(209, "notify", {key: _tf(value) for key, value in self.notify.items()})
        if any(key not in NOTIFY_KEYS or value not in ("true", "false") for key, value in params.items()):
            return block(102, "invalid value")
        self.notify.update({key: value == "true" for key, value in params.items()})
        return block(200, "ok")

    def _device_info(self) -> dict[str, object]:
        deck = self.deck
        return {"protocol version": deck.protocol_version, "model": deck.model, "slot count": len(deck.slots)}

    def push(self, kinds: tuple[str, ...]) -> None:
        """Send the notifications this client asked for."""
        deck = self.deck
        if "transport" in kinds and self.notify["transport"]:
            self.session.write(block(508, "transport info", {"status": deck.transport}))
        if "slot" in kinds and self.notify["slot"]:
            self.session.write(block(502, "slot info", deck.slot_info(deck.active)))
        if "remote" in kinds and self.notify["remote"]:
            self.session.write(block(510, "remote info", {"enabled": _tf(deck.remote)}))


def _tf(value: bool) -> str:
    return "true" if value else "false"


class _Rejected:
    def received(self, data: bytes) -> None:
        pass

    def lost(self) -> None:
        pass


class HyperDeckServer:
    """The unit on a TCP endpoint: one client at a time (a second one gets 120 and is hung up on)."""

    def __init__(self, endpoint: TcpEndpoint, deck: HyperDeck) -> None:
        self.endpoint = endpoint
        self.deck = deck
        self.silent = False
        self.garbles = 0
        self.client: HyperDeckSession | None = None
        self.holding: list[tuple[str, ...]] | None = None  # notifications held while a command is answered
        self._full_timer: asyncio.TimerHandle | None = None
        deck.changed = self._changed
        endpoint.serve_sessions(self._connect)

    @property
    def url(self) -> str:
        return self.endpoint.url

    def open(self) -> None:
        self.endpoint.open()

    def close(self) -> None:
        self._cancel_timer()
        self.endpoint.close()

    def _connect(self, session: Session) -> HyperDeckSession | _Rejected:
        if self.client is not None and self.client.session.open:
            session.write(block(120, "connection rejected"))
            session.close()
            return _Rejected()
        self.client = HyperDeckSession(self, session)
        return self.client

    def gone(self, client: HyperDeckSession) -> None:
        if self.client is client:
            self.client = None

    def _changed(self, kinds: tuple[str, ...]) -> None:
        if "transport" in kinds and self.deck.transport != "record":
            self._cancel_timer()
        if self.holding is not None:
            self.holding.append(kinds)
        else:
            self.notify(kinds)

    def notify(self, kinds: tuple[str, ...]) -> None:
        """Push notifications of ``kinds`` to the client, as far as it subscribed."""
        if self.client is not None and not self.silent:
            self.client.push(kinds)

    def arm_full_timer(self) -> None:
        """Stop the recording (and notify) when the disk fills."""
        self._cancel_timer()
        left = self.deck.seconds_to_full()
        if left is not None:
            self._full_timer = asyncio.get_running_loop().call_later(left + 0.005, self._full)

    def _full(self) -> None:
        self._full_timer = None
        self.deck.settle()
        if self.deck.transport == "record":  # not full yet (the clock ran slow): look again
            self.arm_full_timer()

    def _cancel_timer(self) -> None:
        if self._full_timer is not None:
            self._full_timer.cancel()
            self._full_timer = None


class HyperDeckHandle:
    """What a test reads and does to a simulated HyperDeck (sim.handles.RecorderHandle)."""

    def __init__(self, server: HyperDeckServer) -> None:
        self.server = server
        self.deck = server.deck

    @property
    def transport(self) -> str:
        self.deck.settle()
        return self.deck.transport

    @property
    def clip(self) -> str | None:
        return self.deck.clip

    @property
    def remaining_s(self) -> int:
        self.deck.settle()
        return int(self.deck.slots[self.deck.active].remaining)

    @property
    def remote(self) -> bool:
        return self.deck.remote

    def set_disk(self, present: bool, remaining_s: int | None = None) -> None:
        self.deck.set_disk(present, remaining_s)
        if self.deck.transport == "record":
            self.server.arm_full_timer()

    def set_remote(self, enabled: bool) -> None:
        self.deck.remote = enabled
        self.deck.changed(("remote",))

    def press_stop(self) -> None:
        self.deck.set_transport("stopped")

    def unplug(self) -> None:
        self.server.endpoint.unplug()

    def replug(self) -> None:
        self.server.endpoint.replug()

    def fall_silent(self, silent: bool = True) -> None:
        self.server.silent = silent

    def garble(self, count: int = 1) -> None:
        self.server.garbles += count


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    """The room builder: one HyperDeck per TCP endpoint."""
    spec = devices[0]
    if len(devices) != 1 or not isinstance(endpoint, TcpEndpoint):
        raise SimConfigError(f"device {spec.id!r}: a HyperDeck is one unit on its own tcp:// port")
    settings = spec.model.get("simulate") or {}
    if not isinstance(settings, Mapping):
        raise SimConfigError(f"{spec.model_file}: simulate: expected a mapping")
    settings = {"model_name": spec.model.get("model", "HyperDeck"), **settings}
    try:
        deck = HyperDeck(settings)
    except (TypeError, ValueError) as exc:
        raise SimConfigError(f"{spec.model_file}: simulate: {exc}") from exc
    server = HyperDeckServer(endpoint, deck)
    return BuiltLine(server, {spec.id: HyperDeckHandle(server)})


def register() -> None:
    """Teach `sim.room` the `hyperdeck` family (idempotent)."""
    register_family("hyperdeck", {"recorder"}, build_line)

"""A simulated Blackmagic HyperDeck on TCP: docs/protocols-hyperdeck.md, read independently.

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

The reply fields follow the "Blackmagic HyperDeck Ethernet Protocol" chapter of the current HyperDeck manuals
(protocol 1.11 and later, docs/protocols-hyperdeck.md): `device info` with `unique id`, `software version` and
`name`; `transport info` with `timeline`, `input video format` and `dynamic range`; `slot info` with `blocked`,
`remaining size` and `total size`; `clips get` / `clips count` / `disk list`; the manual's whole notify list.
A unit set to an older `protocol_version` (below 1.11) answers with the older, shorter field sets, as such
firmware does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sim.endpoints import Endpoint, Session, TcpEndpoint
from sim.errors import SimConfigError
from sim.faults import FaultHandle, Faults, Pluggable
from sim.hyperdeck_deck import NOTIFY_KEYS, OLD_NOTIFY_KEYS, HyperDeck, block, parse_params
from sim.registry import BuiltLine, DeviceSpec, register_family

__all__ = ["HyperDeck", "HyperDeckHandle", "HyperDeckServer", "HyperDeckSession", "block", "parse_params"]


def garble(data: bytes) -> bytes:
    """The deck's corruption: the reply's first line flipped into non-ASCII, the rest of the block as sent."""
    first = data.index(b"\r\n")
    return bytes(b | 0x80 for b in data[:first]) + data[first:]


class HyperDeckSession:
    """One client's connection: the banner, its commands and its notify settings."""

    def __init__(self, server: HyperDeckServer, session: Session) -> None:
        self.server = server
        self.session = session
        self.deck = server.deck
        self.notify = dict.fromkeys(NOTIFY_KEYS if server.deck.current else OLD_NOTIFY_KEYS, False)
        self._buf = b""
        self._multi: tuple[str, dict[str, str]] | None = None
        deck = self.deck
        if not server.faults.silent:
            banner = {"protocol version": deck.protocol_version, "model": deck.model}
            session.write(block(500, "connection info", banner))

    def received(self, data: bytes) -> None:
        if self.server.faults.silent:
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
        self.session.write(self.server.faults.garbled(data))

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
            "remote": lambda: block(210, "remote info", {"enabled": _tf(deck.remote), "override": "false"}),
            "remote info": lambda: block(210, "remote info", {"enabled": _tf(deck.remote), "override": "false"}),
            "device info": lambda: block(204, "device info", deck.device_info()),
            "clips count": lambda: block(214, "clips count", {"clip count": len(deck.clip_list)}),
            "ping": lambda: block(200, "ok"),
        }.get(name)
        if handler is not None and not params:
            self.reply(handler())
        elif name in ("record", "stop", "play"):
            self.reply(self._transport(name, params))
        elif name == "clips get" and set(params) <= {"clip id", "count", "version"}:
            self.reply(self._clips(params))
        elif name == "slot info":
            self.reply(self._slot_info(params))
        elif name == "disk list":
            self.reply(self._disk_list(params))
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

    def _clips(self, params: dict[str, str]) -> bytes:
        first, count = params.get("clip id", "1"), params.get("count")
        if not first.isdigit() or (count is not None and not count.isdigit()):
            return block(102, "invalid value")
        return block(205, "clips info", self.deck.clips_info(int(first), None if count is None else int(count)))

    def _disk_list(self, params: dict[str, str]) -> bytes:
        if set(params) - {"slot id"}:
            return block(101, "unsupported parameter")
        text = params.get("slot id", str(self.deck.active))
        number = int(text) if text.isdigit() else -1
        if number not in self.deck.slots:
            return block(102, "invalid value")
        return block(206, "disk list", self.deck.disk_list(number))

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
        if any(key not in self.notify or value not in ("true", "false") for key, value in params.items()):
            return block(102, "invalid value")
        self.notify.update({key: value == "true" for key, value in params.items()})
        return block(200, "ok")

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
        self.faults = Faults(garble=garble)
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
        if self.client is not None and not self.faults.silent:
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


class HyperDeckHandle(FaultHandle):
    """What a test reads and does to a simulated HyperDeck (sim.handles.RecorderHandle)."""

    def __init__(self, server: HyperDeckServer) -> None:
        self.server = server
        self.deck = server.deck
        self.faults = server.faults

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

    @property
    def port(self) -> Pluggable:
        return self.server.endpoint


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
    """Teach the simulator the `hyperdeck` family (idempotent)."""
    register_family("hyperdeck", {"recorder"}, build_line)

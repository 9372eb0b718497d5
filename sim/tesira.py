"""A simulated Biamp Tesira speaking the Tesira Text Protocol over telnet or SSH (docs/protocols-tesira.md).

Each telnet connection gets telnet option requests (``IAC DO opt``); once the client has answered every one,
the welcome banner follows and command lines (LF-terminated) are served. An SSH shell session
(sim/tesira_ssh.py) gets the banner at once. Besides levels and mutes per channel, the unit answers the
session and device commands (``SESSION get aliases``, ``SESSION set verbose|detailedResponse``, ``DEVICE get
hostname|version|serialNumber``), the block attributes ``numChannels``, ``minLevel``, ``maxLevel``, ``label``
and the whole-block ``levels`` / ``mutes`` (get, subscribe). Level and mute blocks are the instance
tags of the model's ``points`` and the room config's device ``options.points``, each with ``simulate.channels``
channels. Subscriptions are per connection: the first value is pushed at once, then every change, at most
once per the subscription's rate. Choices where the reference is silent: a level set outside the block's
range is clamped; an unknown instance tag answers ``-ERR address not found``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.endpoints import Session, TcpEndpoint
from sim.faults import FaultHandle, Faults, Pluggable
from sim.tesira_ssh import SshEndpoint, SshSession

IAC, DONT, DO, WONT, WILL = 0xFF, 0xFE, 0xFD, 0xFC, 0xFB
NEGOTIATE = (DO, 0x18), (DO, 0x20), (DO, 0x23), (DO, 0x27)  # terminal type, speed, X display, environment
WELCOME = b"Welcome to the Tesira Text Protocol Server...\r\n"
ATTRIBUTES = ("level", "mute", "minLevel", "maxLevel", "label")  # per channel
BLOCK_ATTRIBUTES = {"levels": "level", "mutes": "mute"}  # whole-block lists, and the channel attribute of each
SETTABLE = ("level", "mute")
DEVICE_FIELDS = {"hostname": "hostname", "version": "firmware", "serialNumber": "serial"}
DEVICE_LISTS = ("discoveredServers", "activeFaultList")  # answered as empty lists: one unit, no faults
INTERFACE = "LevelControlInterface::Attributes"  # what an unknown attribute's error names [U: exact text]


def garble(line: bytes) -> bytes:
    """Default corruption of one reply line: its bytes get the top bit set (no longer UTF-8)."""
    return bytes(b | 0x80 for b in line.rstrip(b"\r\n")) + b"\r\n"


@dataclass
class Block:
    """A level block: per channel a level (dB) and a mute."""

    channels: int
    min_db: float = -100.0
    max_db: float = 12.0

    def __post_init__(self) -> None:
        self.levels = [0.0] * self.channels
        self.mutes = [False] * self.channels
        self.labels = [""] * self.channels


Value = float | bool | str | list[float] | list[bool]


def _fmt(value: Value) -> str:
    if isinstance(value, list):
        return "[" + " ".join(_fmt(item) for item in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return ("true" if value else "false") if isinstance(value, bool) else f"{value:.6f}"


def _tokens(line: str) -> list[str]:
    """Words of a command line; double quotes group words (``"Level 1" get level 1``)."""
    out, word, quoted, started = [], "", False, False
    for char in line:
        if char == '"':
            quoted, started = not quoted, True
        elif char.isspace() and not quoted:
            if started:
                out.append(word)
            word, started = "", False
        else:
            word, started = word + char, True
    if started:
        out.append(word)
    return out


class Tesira(FaultHandle):
    """The DSP's blocks, shared by every connection, and the test handle (AudioProcessorHandle)."""

    def __init__(
        self,
        endpoint: TcpEndpoint | SshEndpoint,
        blocks: Mapping[str, Block],
        *,
        echo: bool = False,
        clock: Callable[[], float] = time.monotonic,
        identity: Mapping[str, str] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.blocks = dict(blocks)
        self.identity = {"hostname": "TesiraForte01", "firmware": "4.7.1.23292", "serial": "03725678"}
        self.identity.update(identity or {})
        self.echo = echo
        self.clock = clock
        self.faults = Faults(garble=garble)  # silent: no banner, no replies, no pushes
        self.received: list[str] = []  # every command line, for tests
        self.presets: list[int] = []
        self._connections: list[_Connection] = []
        endpoint.serve_sessions(self._session)

    # -- line ------------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.endpoint.url

    def open(self) -> None:
        self.endpoint.open()

    def close(self) -> None:
        self.endpoint.close()

    def _session(self, session: Session | SshSession) -> _Connection:
        connection = _Connection(self, session)
        self._connections.append(connection)
        return connection

    # -- AudioProcessorHandle --------------------------------------------------------------------------------
    def level(self, tag: str, index: int) -> float:
        return self.blocks[tag].levels[index - 1]

    def muted(self, tag: str, index: int) -> bool:
        return self.blocks[tag].mutes[index - 1]

    def turn_knob(self, tag: str, index: int, level_db: float) -> None:
        """A wall panel changed a level: subscribed connections are told."""
        self._store(tag, "level", index, level_db)

    def press_mute(self, tag: str, index: int, on: bool) -> None:
        """A wall panel's mute button."""
        self._store(tag, "mute", index, on)

    @property
    def subscriptions(self) -> int:
        """How many subscriptions the open connections hold."""
        return sum(len(c.subs) for c in self._connections)

    # -- faults (sim/faults.py) ------------------------------------------------------------------------------
    @property
    def port(self) -> Pluggable:
        return self.endpoint

    # -- state -----------------------------------------------------------------------------------------------
    def _store(self, tag: str, attribute: str, index: int, value: float | bool) -> None:
        block = self.blocks[tag]
        if attribute == "level":
            block.levels[index - 1] = max(block.min_db, min(block.max_db, float(value)))
        else:
            block.mutes[index - 1] = bool(value)
        whole = "levels" if attribute == "level" else "mutes"
        for connection in list(self._connections):
            connection.changed(tag, attribute, index)
            connection.changed(tag, whole, 0)

    def value(self, tag: str, attribute: str, index: int) -> Value:
        """One channel's attribute, or (index 0) a whole-block list (``levels``, ``mutes``)."""
        block = self.blocks[tag]
        values: dict[str, Any] = {
            "level": block.levels,
            "mute": block.mutes,
            "minLevel": [block.min_db] * block.channels,
            "maxLevel": [block.max_db] * block.channels,
            "label": block.labels,
            "levels": block.levels,
            "mutes": block.mutes,
        }
        if attribute in BLOCK_ATTRIBUTES:
            return list(values[attribute])
        return values[attribute][index - 1]  # type: ignore[no-any-return]

    def outgoing(self, line: bytes) -> bytes:
        return self.faults.garbled(line)

    def forget(self, connection: _Connection) -> None:
        if connection in self._connections:
            self._connections.remove(connection)

    def execute(self, connection: _Connection, line: str) -> str:
        """The reply line (without line end) to one command line; pushes may go out before it."""
        self.received.append(line)
        words = _tokens(line)
        if len(words) < 2:
            return "-ERR Parse error at 0: could not parse command"
        tag, command, rest = words[0], words[1], words[2:]
        if tag in ("SESSION", "DEVICE"):
            return self._special(connection, tag, command, rest)
        if command not in ("get", "set", "increment", "decrement", "toggle", "subscribe", "unsubscribe"):
            return f"-ERR Parse error at {len(tag) + 1}: unknown command"
        if rest and (rest[0] in BLOCK_ATTRIBUTES or rest[0] in ("numChannels", "ganged")):
            return self._block_wide(connection, tag, command, rest)
        if len(rest) == 1 and rest[0] not in ATTRIBUTES and tag in self.blocks:
            return f"-ERR INVALID_PARAMETER attribute {rest[0]} not found in {INTERFACE}"
        if len(rest) < 2 or not rest[1].isdigit():  # parsed before the address is looked up
            at = line.find(rest[1], len(tag) + len(command) + len(rest[0]) + 2) if len(rest) > 1 else len(line)
            return f"-ERR Parse error at {at}: could not parse value"
        block = self.blocks.get(tag)
        if block is None:
            return '-ERR address not found: {"deviceId":0 "classCode":0 "instanceNum":0}'
        if rest[0] not in ATTRIBUTES:
            return f"-ERR INVALID_PARAMETER unknown attribute {rest[0]}"
        attribute = rest[0]
        index = int(rest[1])
        if not 1 <= index <= block.channels:
            return f"-ERR INVALID_PARAMETER Index out of range:channelIndex min:1 max:{block.channels} received:{index}"
        args = rest[2:]
        if command not in ("get", "subscribe", "unsubscribe") and attribute not in SETTABLE:
            return f"-ERR INVALID_PARAMETER {attribute} is read-only"
        if command == "get":
            return f'+OK "value":{_fmt(self.value(tag, attribute, index))}'
        if command in ("subscribe", "unsubscribe"):
            token = args[0] if args else ""
            rate = int(args[1]) if len(args) > 1 and args[1].isdigit() else 0
            return connection.subscribe(tag, attribute, index, token, rate, on=command == "subscribe")
        return self._change(tag, attribute, index, command, args)

    def _special(self, connection: _Connection, tag: str, command: str, rest: list[str]) -> str:
        """The SESSION and DEVICE instance tags: aliases, session flags, identity, presets."""
        if tag == "SESSION" and command == "get" and rest == ["aliases"]:
            return '+OK "list":' + _fmt(sorted(self.blocks))  # type: ignore[arg-type]
        if tag == "SESSION" and command == "set" and len(rest) == 2 and rest[0] in ("verbose", "detailedResponse"):
            if rest[1] not in ("true", "false"):
                return "-ERR Parse error: could not parse value"
            setattr(connection, "verbose" if rest[0] == "verbose" else "detailed", rest[1] == "true")
            return "+OK"
        if tag == "DEVICE" and command == "get" and len(rest) == 1 and rest[0] in DEVICE_FIELDS:
            return '+OK "value":' + _fmt(self.identity[DEVICE_FIELDS[rest[0]]])
        if tag == "DEVICE" and command == "get" and len(rest) == 1 and rest[0] in DEVICE_LISTS:
            return '+OK "value":[]'
        if tag == "DEVICE" and command == "get" and rest == ["networkStatus"]:
            return '+OK "value":{"hostname":' + _fmt(self.identity["hostname"]) + "}"
        if tag == "DEVICE" and command == "recallPreset" and len(rest) == 1 and rest[0].isdigit():
            self.presets.append(int(rest[0]))
            return "+OK"
        return f"-ERR INVALID_PARAMETER {tag} {command} {' '.join(rest)}".rstrip()

    def _block_wide(self, connection: _Connection, tag: str, command: str, rest: list[str]) -> str:
        """``numChannels`` and the whole-block ``levels`` / ``mutes``: no channel index."""
        block = self.blocks.get(tag)
        if block is None:
            return '-ERR address not found: {"deviceId":0 "classCode":0 "instanceNum":0}'
        attribute, args = rest[0], rest[1:]
        if command == "get" and not args:
            if attribute == "ganged":
                return '+OK "value":false'
            value = str(block.channels) if attribute == "numChannels" else _fmt(self.value(tag, attribute, 0))
            return f'+OK "value":{value}'
        if command in ("subscribe", "unsubscribe") and attribute in BLOCK_ATTRIBUTES:
            token = args[0] if args else ""
            rate = int(args[1]) if len(args) > 1 and args[1].isdigit() else 0
            return connection.subscribe(tag, attribute, 0, token, rate, on=command == "subscribe")
        if command in ("get", "subscribe", "unsubscribe"):
            return "-ERR Parse error: could not parse value"
        return f"-ERR INVALID_PARAMETER {attribute} is read-only"

    def _change(self, tag: str, attribute: str, index: int, command: str, args: list[str]) -> str:
        current = self.value(tag, attribute, index)
        if command == "toggle":
            if attribute != "mute":
                return "-ERR INVALID_PARAMETER toggle needs a boolean attribute"
            self._store(tag, attribute, index, not current)
            return "+OK"
        if len(args) != 1:
            return "-ERR Parse error: could not parse value"
        text = args[0]
        if attribute == "mute":
            if command != "set" or text not in ("true", "false"):
                return "-ERR Parse error: could not parse value"
            self._store(tag, attribute, index, text == "true")
            return "+OK"
        try:
            amount = float(text)
        except ValueError:
            return "-ERR Parse error: could not parse value"
        if not math.isfinite(amount):
            return "-ERR INVALID_PARAMETER value out of range"
        level = self.blocks[tag].levels[index - 1]
        step = {"set": 0.0, "increment": level, "decrement": level}[command]
        self._store(tag, attribute, index, step - amount if command == "decrement" else step + amount)
        return "+OK"


@dataclass
class _Subscription:
    token: str
    rate_s: float
    last: float = float("-inf")
    timer: asyncio.TimerHandle | None = None


class _Connection:
    """One telnet client: negotiation, banner, command lines, its own subscriptions."""

    def __init__(self, dsp: Tesira, session: Session | SshSession) -> None:
        self.dsp = dsp
        self.session = session
        self.buf = b""
        self.verbose = True
        self.detailed = True  # SESSION set detailedResponse: stored; the replies served here do not depend on it
        self.subs: dict[tuple[str, str, int], _Subscription] = {}
        self._greeted = isinstance(session, SshSession)  # SSH: no telnet options, the banner at once
        self._awaiting = set() if self._greeted else {option for _, option in NEGOTIATE}
        if dsp.silent:
            return
        if self._greeted:
            session.write(WELCOME)
        else:
            session.write(b"".join(bytes([IAC, verb, option]) for verb, option in NEGOTIATE))

    def send(self, line: str) -> None:
        if not self.dsp.silent:
            self.session.write(self.dsp.outgoing(line.encode() + b"\r\n"))

    def received(self, data: bytes) -> None:
        if self.dsp.silent:
            return
        self.buf += data
        while IAC in self.buf:  # telnet answers: WONT/DONT/WILL/DO + option
            at = self.buf.index(IAC)
            if len(self.buf) < at + 3:
                return
            self._awaiting.discard(self.buf[at + 2])
            self.buf = self.buf[:at] + self.buf[at + 3 :]
        if not self._greeted:
            if self._awaiting:
                return
            self._greeted = True
            self.session.write(WELCOME)
        while b"\n" in self.buf and self.session.open:
            raw, self.buf = self.buf.split(b"\n", 1)
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            if self.dsp.echo:
                self.send(line)
            self.send(self.dsp.execute(self, line))

    def subscribe(self, tag: str, attribute: str, index: int, token: str, rate_ms: int, *, on: bool) -> str:
        key = (tag, attribute, index)
        old = self.subs.pop(key, None)
        if old is not None and old.timer is not None:
            old.timer.cancel()
        if on:
            if not token:
                return "-ERR Parse error: could not parse value"
            self.subs[key] = _Subscription(token, rate_ms / 1000)
            self._push(key)
        return "+OK"

    def changed(self, tag: str, attribute: str, index: int) -> None:
        key = (tag, attribute, index)
        sub = self.subs.get(key)
        if sub is None or sub.timer is not None:
            return
        wait = sub.last + sub.rate_s - self.dsp.clock()
        if wait > 0:
            sub.timer = asyncio.get_running_loop().call_later(wait, self._push, key)
        else:
            self._push(key)

    def _push(self, key: tuple[str, str, int]) -> None:
        sub = self.subs.get(key)
        if sub is None:
            return
        sub.timer = None
        sub.last = self.dsp.clock()
        value = _fmt(self.dsp.value(*key))
        self.send(f'! "publishToken":"{sub.token}" "value":{value}' if self.verbose else f'! "{sub.token}" {value}')

    def lost(self) -> None:
        for sub in self.subs.values():
            if sub.timer is not None:
                sub.timer.cancel()
        self.subs.clear()
        self.dsp.forget(self)

"""DCS 6000 binary RS-232 codec (docs/protocols.md 5.2(a)): frames to typed messages and back, sans-IO.

A frame is ``FC type ID data... crc FD``; crc is CRC-8 (poly 0x07, init 0, no reflection) over the bytes
between FC and crc. ID counts 0..63 per side. Types: ``r`` CU reset, ``m`` mode change (``c m`` enter,
``q`` leave), ``j`` controller -> CU job, ``c`` CU -> controller control message.

Body escaping is not documented in protocols.md [U]: with an ``Escaping`` rule, body bytes equal to FC, FD or
the escape byte go on the wire as ``escape, byte ^ xor`` (crc computed before escaping, as the manual's
step-by-step order says). Without one, frames are cut by their known length (``c`` carries ``len``), so a
crc or data byte of FD does not end a frame early.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import DecodeError, InvalidArgument

START, STOP = 0xFC, 0xFD
T_RESET, T_MODE, T_JOB, T_CONTROL = 0x72, 0x6D, 0x6A, 0x63  # 'r' 'm' 'j' 'c'
MAX_ID = 63
MAX_BODY = 64  # longest frame body the splitter waits for (type .. crc, unescaped)

# groups and items (protocols.md 5.2(a); items 15, 20, 7, 8, 14 from the manual it cites, see the profile)
GROUP_MIC_CONTROL = 18
GROUP_MIC_STATUS = 23
ADDRESS_ALL, ADDRESS_CONTROL_UNITS = 4000, 4013
CONTROLLER_ADDRESSES = (range(3900, 4000), range(4040, 4050))


def crc8(data: bytes) -> int:
    """CRC-8, polynomial x^8+x^2+x+1 (0x07), initial value 0, MSB first."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


@dataclass(frozen=True)
class Escaping:
    """A body-escaping rule [U]: ``escape`` byte, then the original byte XOR ``xor``."""

    escape: int = 0xFE
    xor: int = 0x20

    def encode(self, body: bytes) -> bytes:
        out = bytearray()
        for byte in body:
            if byte in (START, STOP, self.escape):
                out += bytes([self.escape, byte ^ self.xor])
            else:
                out.append(byte)
        return bytes(out)

    def decode(self, raw: bytes) -> bytes:
        out = bytearray()
        it = iter(raw)
        for byte in it:
            if byte == self.escape:
                nxt = next(it, None)
                if nxt is None:
                    raise DecodeError(f"DCS 6000 frame body {raw.hex(' ')} ends inside an escape")
                out.append(nxt ^ self.xor)
            else:
                out.append(byte)
        return bytes(out)


# -- messages ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reset:
    """``r``: the CU powered up (or restarted); the controller must enter mic control mode again."""

    ident: int


@dataclass(frozen=True)
class Mode:
    """``m``: enter (``c m``) or leave (``q``) mic control mode."""

    ident: int
    enter: bool


@dataclass(frozen=True)
class Job:
    """``j``: a controller's command to the CU: ``chain address group d1 d2 d3``."""

    ident: int
    address: int
    group: int
    data: tuple[int, int, int]
    chain: int = 0


@dataclass(frozen=True)
class Control:
    """``c``: a CU message to ``address`` (a controller, or group 4000 / 4013): ``group len payload``."""

    ident: int
    address: int
    group: int
    payload: bytes

    @property
    def item(self) -> int | None:
        """The command item (first payload byte), None for an empty payload."""
        return self.payload[0] if self.payload else None

    @property
    def mic(self) -> int | None:
        """The microphone address of a mic status item (payload bytes 1..2), when it has one."""
        return (self.payload[1] << 8) | self.payload[2] if len(self.payload) >= 3 else None


Message = Reset | Mode | Job | Control


def _byte(name: str, value: int, allowed: range = range(256)) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise InvalidArgument(f"{name}: {value!r} is outside {allowed.start}..{allowed.stop - 1}")
    return value


def body_of(message: Message) -> bytes:
    """The unescaped body: type, ID and data (no crc)."""
    ident = _byte("ident", message.ident, range(MAX_ID + 1))
    if isinstance(message, Reset):
        return bytes([T_RESET, ident])
    if isinstance(message, Mode):
        return bytes([T_MODE, ident, *(b"cm" if message.enter else b"q")])
    if isinstance(message, Job):
        address = _byte("address", message.address, range(0x10000))
        return bytes(
            [T_JOB, ident, _byte("chain", message.chain), address >> 8, address & 0xFF, _byte("group", message.group)]
            + [_byte("data", d) for d in message.data]
        )
    address = _byte("address", message.address, range(0x10000))
    payload = bytes(message.payload)
    _byte("len", len(payload))
    return (
        bytes([T_CONTROL, ident, address >> 8, address & 0xFF, _byte("group", message.group), len(payload)]) + payload
    )


def encode(message: Message, escaping: Escaping | None = None) -> bytes:
    """One whole frame on the wire: ``FC body crc FD`` (body and crc escaped when a rule is given)."""
    body = body_of(message)
    body += bytes([crc8(body)])
    return bytes([START]) + (escaping.encode(body) if escaping else body) + bytes([STOP])


def mic_job(ident: int, controller: int, item: int, mic: int) -> Job:
    """A MICROPHONE_CONTROL job on a microphone (item 14 on, 15 off, 16/17 request on/off)."""
    mic = _byte("mic", mic, range(0x10000))
    return Job(ident, controller, GROUP_MIC_CONTROL, (_byte("item", item), mic >> 8, mic & 0xFF))


def decode_body(body: bytes) -> Message:
    """A checked, unescaped body (type .. crc) as a message; DecodeError when its crc or layout is wrong."""
    text = body.hex(" ")
    if len(body) < 3:
        raise DecodeError(f"DCS 6000 frame body {text}: too short")
    if crc8(body[:-1]) != body[-1]:
        raise DecodeError(f"DCS 6000 frame body {text}: crc {body[-1]:02x}, expected {crc8(body[:-1]):02x}")
    kind, ident, data = body[0], body[1], body[2:-1]
    if ident > MAX_ID:
        raise DecodeError(f"DCS 6000 frame body {text}: ID {ident} is above {MAX_ID}")
    if kind == T_RESET and not data:
        return Reset(ident)
    if kind == T_MODE and data in (b"cm", b"q"):
        return Mode(ident, data == b"cm")
    if kind == T_JOB and len(data) == 7:
        return Job(ident, (data[1] << 8) | data[2], data[3], (data[4], data[5], data[6]), chain=data[0])
    if kind == T_CONTROL and len(data) >= 4 and data[3] == len(data) - 4:
        return Control(ident, (data[0] << 8) | data[1], data[2], bytes(data[4:]))
    raise DecodeError(f"DCS 6000 frame body {text}: not a known message layout")


def expected_length(body: bytes) -> int | None:
    """Body length (type .. crc) a frame starting with ``body`` has, once enough is known; None if unknown."""
    if not body:
        return None
    kind = body[0]
    if kind == T_RESET:
        return 3
    if kind == T_JOB:
        return 10
    if kind == T_MODE:
        return None if len(body) < 3 else (5 if body[2] == ord("c") else 4)
    if kind == T_CONTROL:
        return None if len(body) < 6 else 7 + body[5]
    return None


class FrameSplitter:
    """Cuts the byte stream into messages; garbage and bad frames come out as DecodeErrors.

    After a bad frame only its FC is dropped, so the search for the next FC starts inside it (resync).
    """

    def __init__(self, escaping: Escaping | None = None) -> None:
        self.escaping = escaping
        self._buf = bytearray()

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Message | DecodeError]:
        self._buf.extend(data)
        out: list[Message | DecodeError] = []
        while True:
            item = self._next()
            if item is None:
                return out
            out.append(item)

    def _next(self) -> Message | DecodeError | None:
        buf = self._buf
        start = buf.find(START)
        if start != 0:
            junk = bytes(buf if start < 0 else buf[:start])
            del buf[: len(junk)]
            if junk:
                return DecodeError(f"DCS 6000: skipped {len(junk)} byte(s) outside a frame: {junk[:16].hex(' ')}")
            return None
        result = self._cut_escaped() if self.escaping else self._cut_by_length()
        if isinstance(result, DecodeError):
            del buf[:1]
        return result

    def _cut_by_length(self) -> Message | DecodeError | None:
        buf = self._buf
        if len(buf) >= 3 and buf[2] > MAX_ID:
            return DecodeError(f"DCS 6000: frame {bytes(buf[:3]).hex(' ')} has an ID above {MAX_ID}")
        need = expected_length(bytes(buf[1:7]))
        if need is not None and need > MAX_BODY:
            return DecodeError(f"DCS 6000: frame claims {need} body bytes, more than any message")
        if need is None:
            stop = buf.find(STOP, 1)
            if stop < 0:
                return DecodeError("DCS 6000: frame longer than any message") if len(buf) > MAX_BODY + 2 else None
            body = bytes(buf[1:stop])
            known = expected_length(body) if body and body[0] in (T_RESET, T_JOB, T_MODE, T_CONTROL) else None
            if known is None:
                return DecodeError(f"DCS 6000: frame {body[:16].hex(' ')} is too short or of an unknown type")
            need = known
        if len(buf) < need + 2:
            return None
        if buf[need + 1] != STOP:
            return DecodeError(f"DCS 6000: frame {bytes(buf[: need + 2]).hex(' ')} does not end in FD")
        body = bytes(buf[1 : need + 1])
        try:
            message = decode_body(body)
        except DecodeError as exc:
            return exc
        del buf[: need + 2]
        return message

    def _cut_escaped(self) -> Message | DecodeError | None:
        buf = self._buf
        assert self.escaping is not None
        stop = buf.find(STOP, 1)
        nested = buf.find(START, 1)
        if 0 < nested < (stop if stop >= 0 else len(buf)):
            return DecodeError(f"DCS 6000: frame start {bytes(buf[:nested]).hex(' ')} without an end")
        if stop < 0:
            return DecodeError("DCS 6000: frame longer than any message") if len(buf) > 2 * MAX_BODY + 2 else None
        try:
            message = decode_body(self.escaping.decode(bytes(buf[1:stop])))
        except DecodeError as exc:
            return exc
        del buf[: stop + 1]
        return message

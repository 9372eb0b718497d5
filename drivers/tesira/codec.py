"""Tesira Text Protocol codec (docs/protocols-tesira.md), sans-IO.

Over telnet the server first negotiates options (``IAC DO|WILL opt``); a raw client refuses each one
(``IAC WONT|DONT opt``). Then lines end with LF (CRLF accepted): ``+OK`` with an optional ``"value":X``,
``-ERR ...`` / ``-CANNOT_DELIVER`` / ``-GENERAL_FAILURE`` refusals, ``!`` subscription pushes, and other text
(the welcome banner, echoed commands) kept as Text. Commands are
``InstanceTag command attribute [index...] [value]`` + LF. A value may be a list (``[-20.000000 0.000000]``,
whole-block attributes) and ``SESSION get aliases`` answers ``+OK "list":[...]``. Over SSH there is no telnet
negotiation; the lines are the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.errors import DecodeError, InvalidArgument

IAC, DONT, DO, WONT, WILL, SB, SE = 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0xFA, 0xF0
MAX_LINE = 4096
ERROR_PREFIXES = ("-ERR", "-CANNOT_DELIVER", "-GENERAL_FAILURE")

_ANY = r'(\[[^\]]*\]|"(?:[^"\\]|\\.)*"|[^\s"\[]+)'  # a list, a quoted string or a bare word
_VALUE = re.compile(r'"(?:value|list)":\s*' + _ANY)
_VERBOSE_PUSH = re.compile(r'^!\s*"publishToken":\s*"([^"]*)"\s+"value":\s*' + _ANY)
_TERSE_PUSH = re.compile(r'^!\s*"([^"]*)"\s+' + _ANY + "$")
_ITEM = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s"]+)')
_TAG = re.compile(r'^[^\s"]+$')
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class Negotiation:
    """A telnet option request from the server: ``verb`` is DO, DONT, WILL or WONT."""

    verb: int
    option: int


@dataclass(frozen=True)
class Ok:
    """``+OK``; ``value`` is the raw ``"value":`` (or ``"list":``) token when the reply carries one."""

    value: str | None


@dataclass(frozen=True)
class Error:
    """``-ERR <message>``, ``-CANNOT_DELIVER`` or ``-GENERAL_FAILURE``."""

    kind: str
    message: str


@dataclass(frozen=True)
class Push:
    """A subscription push: ``! "publishToken":"<token>" "value":<v>`` (or the terse ``! "<token>" <v>``)."""

    token: str
    value: str


@dataclass(frozen=True)
class Text:
    """Any other line: the welcome banner, an echoed command."""

    text: str


Frame = Negotiation | Ok | Error | Push | Text


def parse_line(text: str) -> Frame:
    """One line without its line end."""
    if text.startswith("+OK"):
        match = _VALUE.search(text)
        return Ok(match.group(1) if match else None)
    for prefix in ERROR_PREFIXES:
        if text.startswith(prefix):
            return Error(prefix[1:], text[len(prefix) :].strip())
    if text.startswith("!"):
        match = _VERBOSE_PUSH.match(text) or _TERSE_PUSH.match(text)
        if match is None:
            raise DecodeError(f"Tesira: unreadable push {text[:60]!r}")
        return Push(match.group(1), match.group(2))
    return Text(text)


class TtpSplitter:
    """Telnet negotiations and LF-terminated lines to frames; control bytes or overlong lines are DecodeErrors."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._buf = bytearray()
        self._iac: list[int] = []  # a telnet command being read
        self._in_sb = False
        self._skipping = False

    def feed(self, data: bytes) -> list[Frame | DecodeError]:
        out: list[Frame | DecodeError] = []
        for byte in data:
            if self._iac or byte == IAC:
                self._telnet(byte, out)
            elif self._in_sb:
                continue
            elif byte == 0x0A:
                self._end_line(out)
            elif self._skipping:
                continue
            elif len(self._buf) >= MAX_LINE:
                out.append(DecodeError(f"Tesira: line longer than {MAX_LINE} bytes"))
                self._buf.clear()
                self._skipping = True
            else:
                self._buf.append(byte)
        return out

    def _telnet(self, byte: int, out: list[Frame | DecodeError]) -> None:
        self._iac.append(byte)
        if len(self._iac) == 2:
            verb = self._iac[1]
            if verb in (DO, DONT, WILL, WONT):
                return  # the option byte follows
            self._iac.clear()
            if verb == IAC and not self._in_sb:
                self._buf.append(IAC)  # an escaped 0xFF data byte (decodes as garbage below)
            elif verb == SB:
                self._in_sb = True
            elif verb == SE:
                self._in_sb = False
        elif len(self._iac) == 3:
            verb, option = self._iac[1], self._iac[2]
            self._iac.clear()
            if not self._in_sb:
                out.append(Negotiation(verb, option))

    def _end_line(self, out: list[Frame | DecodeError]) -> None:
        raw, skipping = bytes(self._buf).rstrip(b"\r"), self._skipping
        self._buf.clear()
        self._skipping = False
        if skipping or not raw.strip():
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            out.append(DecodeError(f"Tesira: not UTF-8: {raw[:40]!r}"))
            return
        if any(ord(c) < 0x20 and c != "\t" for c in text):
            out.append(DecodeError(f"Tesira: control characters in {raw[:40]!r}"))
            return
        try:
            out.append(parse_line(text.strip()))
        except DecodeError as exc:
            out.append(exc)


# -- encoders ----------------------------------------------------------------------------------------------
def refuse(negotiation: Negotiation) -> bytes:
    """The refusal of a server's option request: DO -> WONT, WILL -> DONT; nothing for DONT/WONT."""
    if negotiation.verb == DO:
        return bytes([IAC, WONT, negotiation.option])
    if negotiation.verb == WILL:
        return bytes([IAC, DONT, negotiation.option])
    return b""


def number(value: float) -> str:
    """A level as TTP takes it: ``-20``, ``-3.5`` (at most 6 decimals)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _check(tag: str, attribute: str) -> None:
    if not _TAG.match(tag):
        raise InvalidArgument(f"tag: {tag!r} must be one word without quotes")
    if not _WORD.match(attribute):
        raise InvalidArgument(f"attribute: {attribute!r} is not a TTP attribute name")


def get(tag: str, attribute: str, index: int) -> bytes:
    """``Tag get attribute index``."""
    _check(tag, attribute)
    return f"{tag} get {attribute} {index}\n".encode()


def set_value(tag: str, attribute: str, index: int, value: float | bool) -> bytes:
    """``Tag set attribute index value`` (booleans as true/false, levels in dB)."""
    _check(tag, attribute)
    text = ("true" if value else "false") if isinstance(value, bool) else number(value)
    return f"{tag} set {attribute} {index} {text}\n".encode()


def subscribe(tag: str, attribute: str, index: int | None, token: str, rate_ms: int) -> bytes:
    """``Tag subscribe attribute [index] token rate``: pushes ``token`` with the value now and on change.

    Without ``index`` the whole block is subscribed (``levels``, ``mutes``): each push carries a list.
    """
    _check(tag, attribute)
    if not _WORD.match(token):
        raise InvalidArgument(f"token: {token!r} must be letters and digits")
    where = "" if index is None else f" {index}"
    return f"{tag} subscribe {attribute}{where} {token} {rate_ms}\n".encode()


def get_attribute(tag: str, attribute: str) -> bytes:
    """``Tag get attribute`` without an index: ``DEVICE get version``, ``Level1 get numChannels``."""
    _check(tag, attribute)
    return f"{tag} get {attribute}\n".encode()


def session_set(attribute: str, value: bool) -> bytes:
    """``SESSION set attribute true|false`` (``verbose``, ``detailedResponse``)."""
    _check("SESSION", attribute)
    return f"SESSION set {attribute} {'true' if value else 'false'}\n".encode()


# -- values ------------------------------------------------------------------------------------------------
def parse_level(value: str | None) -> float:
    """A level value (``-20.000000``)."""
    try:
        return float(value or "")
    except ValueError:
        raise DecodeError(f"Tesira: {value!r} is not a level") from None


def parse_bool(value: str | None) -> bool:
    """A mute value (``true``/``false``)."""
    if value not in ("true", "false"):
        raise DecodeError(f"Tesira: {value!r} is not true or false")
    return value == "true"


def parse_string(value: str | None) -> str:
    """A quoted string value (``"TesiraForte01"``) without its quotes; a bare word as it is."""
    if value is None:
        raise DecodeError("Tesira: no value in the reply")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def parse_list(value: str | None) -> list[str]:
    """A list value (``["Level1" "Mute1"]``, ``[-20.000000 0.000000]``, ``[true false]``) as its items."""
    if value is None or not (value.startswith("[") and value.endswith("]")):
        raise DecodeError(f"Tesira: {value!r} is not a list")
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _ITEM.finditer(value[1:-1])]

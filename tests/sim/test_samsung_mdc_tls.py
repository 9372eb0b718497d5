"""Secured MDC on the simulated display (docs/protocols-samsung-mdc.md): banner, TLS, PIN, then MDC in TLS.

The client is Python's own blocking ``ssl`` over a socket in a thread, written from the protocol page alone.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from sim.endpoints import TcpEndpoint
from sim.room import SimulatedRoom
from sim.samsung_mdc import MdcDisplay, MdcHandle, MdcLine
from sim.samsung_mdc_tls import MAX_WRONG_PINS

HDMI1 = 0x21
POWER_ON = bytes.fromhex("AA 11 01 01 01 14")
POWER_ON_ACK = bytes.fromhex("AA FF 01 03 41 11 01 56")


def _read(sock: socket.socket | ssl.SSLSocket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def login(port: int, pin: bytes) -> tuple[ssl.SSLSocket | None, bytes, bytes]:
    """Banner, TLS, PIN: (the TLS socket when let in, the banner, the answer to the PIN)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=2)
    banner = _read(raw, 15)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    tls = context.wrap_socket(raw)
    tls.sendall(pin)
    answer = _read(tls, 15)
    if answer != b"MDCAUTH<<PASS>>":
        answer += _read(tls, 5)
        rest = _read(tls, 1)  # the display hangs up after a refusal
        tls.close()
        return None, banner, answer + rest
    return tls, banner, answer


def ask(tls: ssl.SSLSocket, request: bytes, count: int) -> bytes:
    tls.sendall(request)
    return _read(tls, count)


@pytest.fixture
async def secured() -> AsyncIterator[tuple[MdcLine, MdcHandle, int]]:
    line = MdcLine(TcpEndpoint(), reply_delay_ms=0, tls=True, pin="1234")
    handle = line.add(MdcDisplay(1, [HDMI1]))
    line.open()
    try:
        yield line, handle, line.endpoint.port  # type: ignore[attr-defined]
    finally:
        line.close()


async def test_golden_secured_login_then_mdc_inside_tls(secured: tuple[MdcLine, MdcHandle, int]) -> None:
    line, handle, port = secured
    tls, banner, answer = await asyncio.to_thread(login, port, b"1234")
    assert banner == b"MDCSTART<<TLS>>" and answer == b"MDCAUTH<<PASS>>" and tls is not None
    try:
        assert await asyncio.to_thread(ask, tls, POWER_ON, 8) == POWER_ON_ACK
        assert handle.power is True
        assert tls.getpeercert(binary_form=True) == line.certificate_der
    finally:
        tls.close()
    folder = line.certificate().folder
    line.close()
    assert not folder.exists()  # the throw-away certificate is gone with the line


async def test_wrong_pins_are_refused_then_the_display_blocks(secured: tuple[MdcLine, MdcHandle, int]) -> None:
    _, handle, port = secured
    tls, _, answer = await asyncio.to_thread(login, port, b"0000")
    assert tls is None and answer == b"MDCAUTH<<FAIL:0001>>"  # and hung up: nothing follows
    for _ in range(MAX_WRONG_PINS - 1):
        await asyncio.to_thread(login, port, b"9999")
    assert handle.pin_blocked
    _, _, answer = await asyncio.to_thread(login, port, b"1234")
    assert answer == b"MDCAUTH<<FAIL:0002>>"  # blocked: even the right PIN
    handle.set_pin("1234")  # the technician resets it in the menu
    tls, _, answer = await asyncio.to_thread(login, port, b"1234")
    assert answer == b"MDCAUTH<<PASS>>" and tls is not None
    tls.close()


async def test_plain_mdc_on_a_secured_display_is_hung_up_on(secured: tuple[MdcLine, MdcHandle, int]) -> None:
    _, handle, port = secured

    def plain() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            assert _read(sock, 15) == b"MDCSTART<<TLS>>"
            sock.sendall(POWER_ON)
            return _read(sock, 8)

    assert await asyncio.to_thread(plain) == b""
    assert handle.power is False


async def test_the_room_sets_the_pin_from_the_devices_pin_file(tmp_path: Path) -> None:
    pin_file = tmp_path / "display.pin"
    pin_file.write_text("4321\n")
    device = {
        "id": "wall",
        "kind": "display",
        "profile": "samsung/qm55r",
        "address": 1,
        "transport": {"port": "tcp://192.0.2.10:1515"},
        "options": {"pin_file": str(pin_file)},
    }
    source = tmp_path / "room.yaml"
    source.write_text(yaml.safe_dump({"devices": [device]}))
    async with SimulatedRoom(source, tmp_path / "run") as room:
        handle = room.device("wall")
        assert isinstance(handle, MdcHandle)
        assert handle.line.lock.pin == "4321" and handle.line.tls  # the PIN file means secured MDC

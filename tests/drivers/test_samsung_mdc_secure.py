"""Secured MDC in the driver: golden login bytes against a scripted TLS peer, then against the simulated display
(PIN from a file, a wrong PIN, certificate pinning, configuration errors)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from drivers.errors import ConfigError, DeviceNak, TransportLost
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from drivers.samsung_mdc.device import MdcDisplay
from drivers.samsung_mdc.secure import SecuredMdcTransport, fingerprint, read_pin
from sim.room import SimulatedRoom
from sim.samsung_mdc import MdcHandle
from sim.samsung_mdc_tls import Certificate

QM55R = "samsung/qm55r"


class ScriptedDisplay:
    """A secured display played from a script (scaffolding, not the simulator): the golden bytes of the login."""

    def __init__(self, certificate: Certificate, answer: bytes = b"MDCAUTH<<PASS>>") -> None:
        self.context = certificate.context
        self.answer = answer
        self.pins: list[bytes] = []
        self.frames: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"MDCSTART<<TLS>>")
        await writer.drain()
        await writer.start_tls(self.context)
        self.pins.append(await reader.readexactly(4))
        writer.write(self.answer)
        await writer.drain()
        if self.answer == b"MDCAUTH<<PASS>>":
            self.frames.append(await reader.readexactly(5))  # AA 11 01 00 12: power GET
            writer.write(bytes.fromhex("AA FF 01 03 41 11 01 56"))
            await writer.drain()
            await reader.read()
        writer.close()


@contextlib.asynccontextmanager
async def scripted(answer: bytes = b"MDCAUTH<<PASS>>") -> AsyncIterator[tuple[ScriptedDisplay, int, Certificate]]:
    certificate = Certificate()
    display = ScriptedDisplay(certificate, answer)
    server = await asyncio.start_server(display.serve, "127.0.0.1", 0)
    try:
        yield display, server.sockets[0].getsockname()[1], certificate
    finally:
        server.close()
        await server.wait_closed()
        certificate.remove()


async def test_golden_login_bytes() -> None:
    async with scripted() as (display, port, certificate):
        stream = SecuredMdcTransport(f"tcp://127.0.0.1:{port}", "0420", certificate_sha256=fingerprint(certificate.der))
        try:
            await stream.open()
            assert display.pins == [b"0420"] and stream.peer_fingerprint == fingerprint(certificate.der)
            await stream.write(bytes.fromhex("AA 11 01 00 12"))
            assert await stream.read() == bytes.fromhex("AA FF 01 03 41 11 01 56")  # decrypted MDC
            assert display.frames == [bytes.fromhex("AA 11 01 00 12")]
        finally:
            await stream.close()


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (b"MDCAUTH<<FAIL:0001>>", DeviceNak, "wrong PIN"),
        (b"MDCAUTH<<FAIL:0002>>", DeviceNak, "blocked after too many wrong PINs"),
        (b"MDCAUTH<<WHAT?>>xx", TransportLost, "unexpected secured MDC answer"),
    ],
)
async def test_refused_logins_say_why(answer: bytes, error: type[Exception], message: str) -> None:
    async with scripted(answer) as (_, port, _cert):
        stream = SecuredMdcTransport(f"tcp://127.0.0.1:{port}", "0000")
        with pytest.raises(error, match=message):
            await stream.open()
        assert not stream.is_open


async def test_a_pinned_certificate_that_differs_is_refused() -> None:
    async with scripted() as (_, port, _cert):
        stream = SecuredMdcTransport(f"tcp://127.0.0.1:{port}", "0000", certificate_sha256="00:" * 31 + "00")
        with pytest.raises(TransportLost, match="not the certificate_sha256 configured"):
            await stream.open()


def room_file(tmp_path: Path, pin: str, **options: Any) -> Path:
    pin_file = tmp_path / "secrets" / "wall.pin"
    pin_file.parent.mkdir(exist_ok=True)
    pin_file.write_text(pin + "\n")
    device = {
        "id": "wall",
        "kind": "display",
        "profile": QM55R,
        "address": 1,
        "transport": {"port": "tcp://192.0.2.10:1515"},
        "options": {"pin_file": str(pin_file), **options},
    }
    source = tmp_path / "room.yaml"
    source.write_text(yaml.safe_dump({"devices": [device]}))
    return pin_file


async def test_a_secured_display_is_driven_with_the_pin_from_its_file(tmp_path: Path) -> None:
    pin_file = room_file(tmp_path, "2468")
    async with SimulatedRoom(tmp_path / "room.yaml", tmp_path / "run") as room:
        handle = room.device("wall")
        assert isinstance(handle, MdcHandle)
        factory = DeviceFactory(ProfileLibrary())
        display = factory.build("wall", QM55R, room.endpoints["wall"], 1, options={"pin_file": str(pin_file)})
        assert isinstance(display, MdcDisplay)
        try:
            await display.connect()
            await display.power(True)
            assert handle.power is True and display.state.power is True
            await display.select_input("hdmi1")
            assert handle.input_code == "21"
        finally:
            await display.close()
        handle.set_pin("1357")  # someone changed the PIN in the menu
        other = DeviceFactory(ProfileLibrary()).build(
            "wall", QM55R, room.endpoints["wall"], 1, options={"pin_file": str(pin_file)}
        )
        with pytest.raises(DeviceNak, match="wrong PIN") as caught:
            await other.connect()
        assert caught.value.device_code == 1
        await other.close()


async def test_a_pin_file_for_a_plain_display_times_out_saying_so(tmp_path: Path) -> None:
    pin_file = room_file(tmp_path, "0000", login_timeout_ms=300)
    (tmp_path / "room.yaml").write_text(
        (tmp_path / "room.yaml").read_text().replace(f"pin_file: {pin_file}", "pin_file: null")
    )
    async with SimulatedRoom(tmp_path / "room.yaml", tmp_path / "run") as room:  # a plain display
        display = DeviceFactory(ProfileLibrary()).build(
            "wall", QM55R, room.endpoints["wall"], 1, options={"pin_file": str(pin_file), "login_timeout_ms": 300}
        )
        with pytest.raises(TransportLost, match=r"no secured MDC login.*remove options\.pin_file"):
            await display.connect()
        await display.close()


@pytest.mark.parametrize(
    ("port", "pin", "message"),
    [
        ("/dev/ttyUSB0", "0000", r"wall: options\.pin_file: secured MDC \(a PIN\) is spoken on TCP 1515 only"),
        ("tcp://192.0.2.10", "12345", r"must hold the display's PIN: four digits"),
        ("tcp://192.0.2.10", "", r"must hold the display's PIN"),
    ],
)
def test_pin_configuration_errors_name_the_key(tmp_path: Path, port: str, pin: str, message: str) -> None:
    pin_file = tmp_path / "wall.pin"
    pin_file.write_text(pin)
    with pytest.raises(ConfigError, match=message):
        DeviceFactory(ProfileLibrary()).build("wall", QM55R, port, 1, options={"pin_file": str(pin_file)})


def test_pin_file_reading() -> None:
    with pytest.raises(ConfigError, match="cannot read /nonexistent"):
        read_pin(Path("/nonexistent/wall.pin"), "wall: options.pin_file")
    with pytest.raises(ConfigError, match=r"certificate_sha256"):
        DeviceFactory(ProfileLibrary()).build(
            "wall", QM55R, "tcp://192.0.2.10", 1, options={"pin_file": "x", "certificate_sha256": "ab"}
        )
    assert ssl.OPENSSL_VERSION  # TLS is available to the driver

"""Fixtures for the simulator tests: fast camera profiles, a bus on a real pty, and a pyserial client."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import serial_asyncio_fast

from sim.camera_profile import CameraProfile
from sim.endpoints import PtyEndpoint
from sim.visca.bus import ViscaBus
from sim.visca.camera import ViscaCamera
from sim.visca.handle import SimCamera


def hx(text: str) -> bytes:
    """Bytes from protocols.md notation: `81 01 04 00 02 FF`."""
    return bytes.fromhex(text)


def is_link(path: str | Path) -> bool:
    """True when `path` is a symlink (a plain function, so async tests may call it)."""
    return Path(path).is_symlink()


def unnibble(data: bytes) -> int:
    """The value of nibble bytes `0p 0q ...`."""
    value = 0
    for byte in data:
        value = (value << 4) | byte
    return value


@pytest.fixture(autouse=True)
async def own_executor() -> AsyncIterator[None]:
    """pyserial-asyncio-fast opens and closes ports in the loop's default executor: give each test its own
    and join its thread at the end, so the leftover guard sees no stray thread."""
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-test")
    loop.set_default_executor(executor)
    yield
    executor.shutdown(wait=True)


def fast(profile: CameraProfile, factor: float = 10.0) -> CameraProfile:
    """The same profile with motion `factor` times faster, to keep tests short."""
    return dataclasses.replace(
        profile,
        pan_units_per_s=profile.pan_units_per_s * factor,
        tilt_units_per_s=profile.tilt_units_per_s * factor,
        zoom_units_per_s=profile.zoom_units_per_s * factor,
    )


@pytest.fixture
def generic() -> CameraProfile:
    """The generic 20x camera, whose ranges fit every worked example of protocols.md section 1."""
    return CameraProfile.load("generic/visca-ptz-20x")


@pytest.fixture
def d70() -> CameraProfile:
    """Sony EVI-D70 with its simulated v2 firmware (6 presets, no quirk)."""
    return CameraProfile.load("sony/evi-d70")


class Client:
    """A third-party style serial client over pyserial-asyncio-fast, reading whole VISCA frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, url: str) -> Client:
        reader, writer = await serial_asyncio_fast.open_serial_connection(url=url, baudrate=9600)
        return cls(reader, writer)

    def send(self, packet: str | bytes) -> None:
        self.writer.write(hx(packet) if isinstance(packet, str) else packet)

    async def frame(self, timeout: float = 1.0) -> bytes:
        async with asyncio.timeout(timeout):
            return await self.reader.readuntil(b"\xff")

    async def frames(self, count: int, timeout: float = 1.0) -> list[bytes]:
        return [await self.frame(timeout) for _ in range(count)]

    async def ask(self, packet: str, count: int = 1, timeout: float = 1.0) -> list[str]:
        """Send a packet, read `count` frames, return them in protocols.md notation."""
        self.send(packet)
        return [f.hex(" ").upper() for f in await self.frames(count, timeout)]

    async def silence(self, seconds: float) -> bytes:
        """Whatever arrives within `seconds` (expected: nothing)."""
        try:
            async with asyncio.timeout(seconds):
                return await self.reader.read(100)
        except TimeoutError:
            return b""

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


ClientFactory = Callable[[str], Awaitable[Client]]


@pytest.fixture
async def connect() -> AsyncIterator[ClientFactory]:
    """Open clients on an endpoint URL; all are closed at the end of the test."""
    clients: list[Client] = []

    async def open_client(url: str) -> Client:
        client = await Client.open(url)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.close()


@dataclasses.dataclass
class Line:
    """A bus on a real pty with its cameras."""

    bus: ViscaBus
    cams: dict[int, SimCamera]

    @property
    def url(self) -> str:
        return self.bus.url


LineFactory = Callable[..., Line]


@pytest.fixture
async def make_line(tmp_path: Path) -> AsyncIterator[LineFactory]:
    """Build a bus on a pty with cameras `(profile, address)`; closed at the end of the test."""
    buses: list[ViscaBus] = []

    def build(*cams: tuple[CameraProfile, int], baudrate: int | None = None, name: str = "line") -> Line:
        bus = ViscaBus(PtyEndpoint(tmp_path / name), baudrate=baudrate)
        handles = {address: bus.add_camera(ViscaCamera(profile, address)) for profile, address in cams}
        bus.open()
        buses.append(bus)
        return Line(bus, handles)

    yield build
    for bus in buses:
        bus.close()

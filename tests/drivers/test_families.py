"""Families are found by scanning drivers/: the shipped ones, a tiny one added from a temporary folder, broken ones.

The tiny family is the walk-through of docs/profiles.md in code: a package with a ``family.py``, a protocol
file and a model file, and nothing to register; it is driven over a real TCP connection to a scripted lamp.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import shutil
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

import drivers
from drivers.devices.indicator import Indicator
from drivers.errors import ProfileError
from drivers.factory import DeviceFactory
from drivers.families import Families, FamilyError
from drivers.profiles import DEFAULT_PROFILE_DIR, ProfileLibrary
from drivers.yamlfile import read_yaml_mapping

TINY_FAMILY = '''
"""The ``tiny`` family: a lamp that answers OK to each line (a test's own)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from drivers.devices.base import Device, LineUse
from drivers.devices.indicator import Indicator
from drivers.errors import DecodeError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.profiles import Profile
from drivers.transports.link import FramedLink


class Lines:
    def __init__(self) -> None:
        self._buf = b""

    def feed(self, data: bytes) -> Sequence[str | DecodeError]:
        *lines, self._buf = (self._buf + data).split(b"\\r")
        return [line.decode() for line in lines]

    def reset(self) -> None:
        self._buf = b""


class LampOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    word_on: str = "ON"


def ok(reply: str) -> bool:
    return reply == "OK"


class Lamp(Indicator):
    def __init__(self, device_id: str, profile: Profile, link: FramedLink[str], options: LampOptions) -> None:
        super().__init__(device_id, profile, colors=["red", "green"])
        self.link = link
        self.options = options
        self._use = LineUse(device_id, link)

    async def connect(self) -> None:
        await self._use.connect(None, self.poll)

    async def poll(self) -> None:
        await self.link.request(b"PING\\r", ok)
        self._heard()

    async def close(self) -> None:
        await self._use.close()

    async def _set(self, on: bool, color: str | None, blink: bool) -> None:
        self._use.require()
        word = self.options.word_on if on else "OFF"
        await self.link.request(f"{word} {color}\\r".encode(), ok)


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    link: FramedLink[str] = factory.framed(request, Lines, request.address)
    return Lamp(request.device_id, request.profile, link, request.options_as(LampOptions))


FAMILY = FamilySpec(id="tiny", protocols=(ProtocolSpec("indicator", build, ("tcp",), options=LampOptions),))
'''

TINY_PROTOCOL = """\
schema: 1
family: tiny
device_class: indicator
link: tcp
timing: {ack_timeout_ms: 500}
"""

TINY_MODEL = """\
schema: 1
vendor: Acme
model: Lamp
device_class: indicator
protocol: tiny
capabilities: [light, color]
options: {word_on: SHINE}
"""


def _package(root: Path, name: str, family: str | None) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(f'"""{name}, added by a test."""\n', encoding="utf-8")
    if family is not None:
        (folder / "family.py").write_text(textwrap.dedent(family), encoding="utf-8")


@pytest.fixture
def extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder the scan looks in beside drivers/ (on the package's ``__path__``); its packages are forgotten after."""
    root = tmp_path / "more-drivers"
    root.mkdir()
    monkeypatch.setattr(drivers, "__path__", [*drivers.__path__, str(root)])
    before = set(sys.modules)
    yield root
    for name in set(sys.modules) - before:
        if name.startswith("drivers."):
            del sys.modules[name]
    importlib.invalidate_caches()


def test_every_shipped_protocol_has_a_driver_family_and_a_protocol_file() -> None:
    found = Families.scan()
    files = {path.stem: read_yaml_mapping(path) for path in (DEFAULT_PROFILE_DIR / "protocols").glob("*.yaml")}
    assert set(found.protocols) == set(files)
    for protocol_id, protocol in found.protocols.items():
        assert files[protocol_id]["device_class"] == protocol.device_class, protocol_id
        if "link" in files[protocol_id]:  # the kind of port a room usually names is one the family takes
            assert files[protocol_id]["link"] in protocol.transports, protocol_id
    packages = {p.parent.name for p in Path(drivers.__file__).parent.glob("*/family.py")}
    assert set(found.by_id) == packages
    assert all(pid.split(".")[0] in packages for pid in found.protocols)


def test_codecs_are_sans_io() -> None:
    """What a family lists as its codecs imports nothing that does I/O: bytes in, frames out."""
    io = ("asyncio", "socket", "serial", "serial_asyncio_fast", "usb", "threading", "drivers.transports")
    for family in Families.scan():
        for module in family.codecs:
            assert module.__file__ is not None
            tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
            imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
            bad = [m for m in imported if any(m == x or m.startswith(f"{x}.") for x in io)]
            assert not bad, f"{module.__name__} (family {family.id}) imports {bad}"


@pytest.fixture
async def lamp_server() -> AsyncIterator[tuple[int, list[str]]]:
    """A scripted lamp on a real TCP port: it answers OK to every line and keeps what it heard."""
    heard: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readuntil(b"\r"):
                heard.append(line.decode().strip())
                writer.write(b"OK\r")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], heard
    finally:
        server.close()
        await server.wait_closed()


async def test_a_family_in_a_new_folder_is_found_and_driven(
    extra: Path, tmp_path: Path, lamp_server: tuple[int, list[str]]
) -> None:
    _package(extra, "tiny", TINY_FAMILY)
    found = Families.scan()
    assert found.by_id["tiny"].protocols[0].device_class == "indicator"
    assert "visca" in found.by_id  # the tree's families are still there
    profiles = tmp_path / "profiles"
    (profiles / "protocols").mkdir(parents=True)
    (profiles / "models" / "acme").mkdir(parents=True)
    (profiles / "protocols" / "tiny.yaml").write_text(TINY_PROTOCOL, encoding="utf-8")
    (profiles / "models" / "acme" / "lamp.yaml").write_text(TINY_MODEL, encoding="utf-8")
    port, heard = lamp_server
    factory = DeviceFactory(ProfileLibrary(profiles, families=found))
    lamp = factory.build("lamp", "acme/lamp", f"tcp://127.0.0.1:{port}")
    assert isinstance(lamp, Indicator)
    try:
        await lamp.connect()
        await lamp.set(True, "green")
        assert lamp.snapshot() == {"on": True, "color": "green"}
    finally:
        await lamp.close()
        await factory.close()
    assert heard == ["PING", "SHINE green"]


def test_a_new_familys_options_are_checked_when_its_profiles_load(extra: Path, tmp_path: Path) -> None:
    _package(extra, "tiny", TINY_FAMILY)
    profiles = tmp_path / "profiles"
    (profiles / "protocols").mkdir(parents=True)
    (profiles / "models" / "acme").mkdir(parents=True)
    (profiles / "protocols" / "tiny.yaml").write_text(TINY_PROTOCOL, encoding="utf-8")
    bad = profiles / "models" / "acme" / "lamp.yaml"
    bad.write_text(TINY_MODEL.replace("word_on", "word_onn"), encoding="utf-8")
    spelt = r"word_onn: unknown key \(did you mean 'word_on'\?\)"
    with pytest.raises(ProfileError, match=rf"{bad}: options \(firmware\[0\]\)\.{spelt}"):
        ProfileLibrary(profiles, families=Families.scan())


@pytest.mark.parametrize(
    ("family", "message"),
    [
        (
            "import drivers.no_such_module\n",
            r"family 'broken': drivers\.broken\.family does not import: ModuleNotFoundError: "
            r"No module named 'drivers\.no_such_module'",
        ),
        ("FAMILY = None\n", r"drivers\.broken\.family must declare FAMILY = FamilySpec\(\.\.\.\), found NoneType"),
        (
            "from drivers.families import FamilySpec\nFAMILY = FamilySpec(id='brokn', protocols=())\n",
            r"drivers\.broken\.family: FAMILY\.id is 'brokn'; a family's id is its package name, 'broken'",
        ),
    ],
)
def test_a_broken_family_fails_the_scan_naming_its_package(extra: Path, family: str, message: str) -> None:
    _package(extra, "broken", family)
    with pytest.raises(FamilyError, match=message):
        Families.scan()


def test_a_package_without_a_family_module_is_not_a_family(extra: Path) -> None:
    _package(extra, "helpers", None)
    assert "helpers" not in Families.scan().by_id


def test_a_profile_naming_a_protocol_by_its_old_name_is_told_the_new_one(tmp_path: Path) -> None:
    root = tmp_path / "profiles"
    shutil.copytree(DEFAULT_PROFILE_DIR, root)
    model = root / "models" / "lg" / "49uh7f.yaml"
    model.write_text(model.read_text(encoding="utf-8").replace("protocol: lg", "protocol: lg-rs232"), encoding="utf-8")
    with pytest.raises(ProfileError, match=rf"{model}: protocol: 'lg-rs232' is now called 'lg'"):
        ProfileLibrary(root)

"""One device of any class, driven through the DeviceFactory against its simulator twin, for the suites.

The suites are parametrised over every model profile of their class in ``firmware_profiles/``, so a new family
or model is tested by them without a line of test code.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from controller.config import load_config, load_profiles
from drivers.devices.base import Device
from drivers.errors import CourtroomError
from drivers.factory import DeviceFactory
from drivers.profiles import DEFAULT_PROFILE_DIR, ProfileLibrary, Timing
from drivers.usb.backend import set_backend as set_usb_backend
from sim.room import SimulatedRoom
from sim.usb.backend import BUS as USB_BUS

FAST = {"ack_timeout_ms": 400, "inquiry_timeout_ms": 400, "completion_timeout_ms": 2000, "poll_interval_s": 0.5}


def refs(kind: str, root: Path = DEFAULT_PROFILE_DIR) -> list[str]:
    """Every model profile of a device class in a profile folder."""
    library = ProfileLibrary(root)
    return sorted(ref for ref, model in library.models.items() if model.device_class == kind)


def port_for(library: ProfileLibrary, ref: str, name: str) -> str:
    """A port as a room config would name it for this model's family (serial path or tcp URL)."""
    protocol = library.protocols[library.models[ref].protocol]
    if protocol.link == "tcp":
        return f"tcp://192.0.2.10:{protocol.default_tcp_port or 9000}"
    if protocol.link == "usb":
        identity = library.models[ref].identity
        assert identity is not None, f"{ref}: a USB model needs an identity (vendor_id, model_id)"
        return f"usb:{identity.vendor_id:04x}:{identity.model_id:04x}"
    if protocol.link == "udp":
        return "udp://192.0.2.10:52381"
    return f"/dev/courtroom/{name}"


@dataclass
class Rig:
    """A connected device, its simulator handle and the simulated room."""

    device: Device
    handle: Any
    sim: SimulatedRoom

    async def until(self, predicate: Any, timeout_s: float = 3.0, what: str = "condition") -> None:
        """Wait for ``predicate()`` to be true (state pushed or polled), failing with ``what``."""
        changed = asyncio.Event()
        self.device.add_listener(changed.set)
        try:
            async with asyncio.timeout(timeout_s):
                while not predicate():
                    changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 0.02)  # simulator state changes are not pushed
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def refresh_until(self, predicate: Any, timeout_s: float = 3.0, what: str = "condition") -> None:
        """Refresh the device's state (a poll) until ``predicate()`` holds."""
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    with contextlib.suppress(CourtroomError):
                        await self.device.poll()
                    if predicate():
                        return
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise AssertionError(f"timed out refreshing until {what}") from None

    async def answers_again(self, timeout_s: float = 3.0) -> None:
        """Poll until a whole poll succeeds on answers heard after this call (a fault's last may still fail)."""
        since = time.monotonic()
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    try:
                        await self.device.poll()
                    except CourtroomError:
                        await asyncio.sleep(0.05)
                        continue
                    break
        except TimeoutError:
            raise AssertionError("the device did not answer a poll again") from None
        assert self.device.last_heard >= since, "a poll succeeded without a word from the device"

    async def recovers(self, timeout_s: float = 5.0) -> None:
        """Reconnect (as the supervisor would) until connect() succeeds."""
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    try:
                        await self.device.connect()
                        return
                    except CourtroomError:
                        await self.device.close()
                        await asyncio.sleep(0.1)
        except TimeoutError:
            raise AssertionError("the device did not come back") from None


@contextlib.asynccontextmanager
async def rig(
    tmp_path: Path,
    kind: str,
    ref: str,
    *,
    profiles_dir: Path | None = None,
    options: dict[str, Any] | None = None,
    address: int | None = None,
) -> AsyncIterator[Rig]:
    """Simulate one device of ``ref``, connect the real driver to it, yield both; close everything after."""
    library = ProfileLibrary(profiles_dir or DEFAULT_PROFILE_DIR)
    device_cfg: dict[str, Any] = {
        "id": "dut",
        "kind": kind,
        "profile": ref,
        "transport": {"port": port_for(library, ref, "dut")},
    }
    if address is not None:
        device_cfg["address"] = address
    if options:
        device_cfg["options"] = options
    config = {
        "room": {"id": "test-room"},
        "state_dir": str(tmp_path / "state"),
        "devices": [device_cfg],
    }
    if profiles_dir is not None:
        config["profiles_dir"] = str(profiles_dir)
    source = tmp_path / "room.yaml"
    source.write_text(yaml.safe_dump(config), encoding="utf-8")
    sim = SimulatedRoom(source, tmp_path / "run", profiles_dir=profiles_dir)
    set_usb_backend(USB_BUS)  # USB devices of the simulated room sit on this process's simulated bus
    await sim.start()
    device: Device | None = None
    try:
        live = tmp_path / "room-live.yaml"
        sim.write_config(live)
        room = load_config(live)
        library = load_profiles(room, str(live))
        dev = room.devices[0]
        fast_library = _fast(library)
        device = DeviceFactory(fast_library).build(
            dev.id, dev.profile, dev.transport.port, dev.address, dev.transport, options=dev.options
        )
        await device.connect()
        yield Rig(device, sim.device("dut"), sim)
    finally:
        if device is not None:
            await device.close()
        await sim.stop()
        set_usb_backend(None)
        await asyncio.get_running_loop().shutdown_default_executor()


def _fast(library: ProfileLibrary) -> ProfileLibrary:
    """The same library with short timeouts, so a fault test does not wait a second per try."""
    for family, proto in list(library.protocols.items()):
        timing = proto.timing.model_dump()
        timing.update({k: min(v, timing[k]) for k, v in FAST.items()})
        library.protocols[family] = proto.model_copy(update={"timing": Timing(**timing)})
    return library

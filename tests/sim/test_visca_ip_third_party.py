"""A standard VISCA-over-IP client (the ``visca-over-ip`` package) drives the simulated camera.

The client uses blocking sockets, so it runs in a worker thread while the simulator serves on the loop. Two
things about that client shape the set-up:
- it binds its inquiry socket to the camera's port on every local address (with SO_REUSEADDR), so the
  simulator's socket must allow the shared port too; inquiries are left out (their replies would go to the
  simulator's own, more specific, binding);
- it numbers its RESET 1 and its next message 2; the simulated camera follows Sony's description of RESET
  (the count starts again with the controller's next number, docs/protocols-visca-ip.md), so it runs strict.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator

import pytest
from visca_over_ip import Camera as ViscaClient

from sim.camera_profile import CameraProfile
from sim.visca.camera import ViscaCamera
from sim.visca.ip import ViscaIpCameraSim


@pytest.fixture
async def cam() -> AsyncIterator[ViscaIpCameraSim]:
    profile = CameraProfile.load("generic/visca-ptz-20x")
    profile = dataclasses.replace(
        profile,
        pan_units_per_s=profile.pan_units_per_s * 20,
        tilt_units_per_s=profile.tilt_units_per_s * 20,
        zoom_units_per_s=profile.zoom_units_per_s * 20,
    )
    sim = ViscaIpCameraSim(ViscaCamera(profile, 1), strict=True)
    sim.open()
    # The client binds the same UDP port on 0.0.0.0; the kernel allows it only when both sockets say so.
    sock = sim.endpoint._sock
    assert sock is not None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    yield sim
    sim.close()


def _drive(port: int, steps: list[tuple[str, tuple[object, ...]]]) -> None:
    client = ViscaClient("127.0.0.1", port)
    try:
        for name, args in steps:
            getattr(client, name)(*args)
    finally:
        client.close_connection()


async def _settled(sim: ViscaIpCameraSim, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while sim.camera.moving:  # noqa: ASYNC110 - the simulated head has no event to wait on
            await asyncio.sleep(0.02)


async def test_power_off_and_on(cam: ViscaIpCameraSim) -> None:
    assert cam.camera.power
    await asyncio.to_thread(_drive, cam.endpoint.port, [("set_power", (False,))])
    assert not cam.camera.power
    await asyncio.to_thread(_drive, cam.endpoint.port, [("set_power", (True,))])
    assert cam.camera.power
    sent = [d.data for d in cam.log if d.direction == "tx"]
    assert sent and not any(d.endswith(b"\x0f\x01") for d in sent)  # no sequence error: strict and taken


async def test_absolute_pan_tilt_then_preset_recall(cam: ViscaIpCameraSim) -> None:
    port = cam.endpoint.port
    await asyncio.to_thread(_drive, port, [("pantilt", (24, 20, 300, 100))])
    await _settled(cam)
    assert (cam.camera.pan, cam.camera.tilt) == (300, 100)
    await asyncio.to_thread(_drive, port, [("save_preset", (2,)), ("pantilt", (24, 20, -500, -50))])
    await _settled(cam)
    assert (cam.camera.pan, cam.camera.tilt) == (-500, -50)
    await asyncio.to_thread(_drive, port, [("recall_preset", (2,))])
    await _settled(cam)
    assert (cam.camera.pan, cam.camera.tilt) == (300, 100)
    kinds = {d[:2] for d in cam.received()}
    assert kinds == {b"\x01\x00", b"\x02\x00"}  # commands and the client's RESET, no inquiries


async def test_continuous_pan_moves_the_head(cam: ViscaIpCameraSim) -> None:
    start = cam.camera.pan
    await asyncio.to_thread(_drive, cam.endpoint.port, [("pantilt", (10, 0))])
    await asyncio.sleep(0.2)
    await asyncio.to_thread(_drive, cam.endpoint.port, [("pantilt", (0, 0))])
    await _settled(cam)
    assert cam.camera.pan != start

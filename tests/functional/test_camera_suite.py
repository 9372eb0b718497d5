"""The camera suite: runs unchanged against every camera model profile (VISCA, VISCA over IP, Pelco-D/P)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from drivers.devices.camera import Camera
from drivers.errors import CourtroomError, InvalidArgument, Unsupported
from drivers.profiles import ProfileLibrary
from sim.handles import CameraHandle
from tests.functional.harness import Rig, refs, rig

MODELS = refs("camera")
LIBRARY = ProfileLibrary()


def _address(ref: str) -> int | None:
    return None if LIBRARY.models[ref].protocol == "visca_ip" else 1


def _camera(r: Rig) -> tuple[Camera, CameraHandle]:
    assert isinstance(r.device, Camera)
    assert isinstance(r.handle, CameraHandle)
    return r.device, r.handle


def _answers_queries(camera: Camera) -> bool:
    """Pelco domes without position queries never answer: nothing on the wire tells that they are gone."""
    return camera.profile.model.protocol not in ("pelco.p",) and (
        camera.profile.model.protocol != "pelco.d" or "pan_tilt_absolute" in camera.info.capabilities
    )


@pytest.mark.parametrize("ref", MODELS)
async def test_power_and_presets_move_the_head(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "camera", ref, address=_address(ref)) as r:
        cam, handle = _camera(r)
        if "power" in cam.info.capabilities:
            await cam.power(True)
            assert handle.power
        ranges = cam.profile.model.camera_ranges
        spot = (ranges.pan.max // 4, ranges.tilt.max // 4, ranges.zoom.max // 2)
        handle.set_position(pan=spot[0], tilt=spot[1], zoom=spot[2])
        await cam.store_preset(1)
        if cam.profile.model.protocol != "usb.uvc":  # a UVC camera stores no presets: the controller keeps them
            await r.until(lambda: spot in handle.presets.values(), 5, "the preset stored")  # Pelco: no ACK
        handle.set_position(pan=ranges.pan.min // 2, tilt=0, zoom=0)
        await cam.recall_preset(1)  # Pelco has no ACK: the head may start moving after the call returns
        await r.until(lambda: (handle.pan, handle.tilt, handle.zoom) == spot, 10, f"the head at {spot}")
        assert cam.state.preset == 1
        with pytest.raises(InvalidArgument, match="preset"):
            await cam.recall_preset(cam.preset_count)


@pytest.mark.parametrize("ref", MODELS)
async def test_absolute_moves_and_ranges(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "camera", ref, address=_address(ref)) as r:
        cam, handle = _camera(r)
        ranges = cam.profile.model.camera_ranges
        if "pan_tilt_absolute" in cam.info.capabilities:
            target = (ranges.pan.max // 3, ranges.tilt.max // 3)
            await cam.pan_tilt_to(*target)
            await r.until(lambda: (handle.pan, handle.tilt) == target, 10, f"the head at {target}")
            await r.refresh_until(lambda: cam.state.pan == ranges.pan.max // 3, what="pan read back")
        else:
            with pytest.raises(CourtroomError, match="capability"):
                await cam.pan_tilt_to(0, 0)
        if "zoom_direct" in cam.info.capabilities:
            await cam.zoom_to(ranges.zoom.max // 5)
            await r.until(lambda: handle.zoom == ranges.zoom.max // 5, 10, "the zoom position")
        with pytest.raises(InvalidArgument if "pan_tilt_absolute" in cam.info.capabilities else Unsupported):
            await cam.execute("pan_tilt_to", {"pan": ranges.pan.max + 1, "tilt": 0})


@pytest.mark.parametrize("ref", MODELS)
async def test_faults_unplug_silence_garble(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "camera", ref, address=_address(ref)) as r:
        cam, handle = _camera(r)
        if not _answers_queries(cam):
            pytest.skip(f"{ref} never answers (no position or power query), so silence cannot be seen on the wire")
        handle.fall_silent()
        with pytest.raises(CourtroomError):
            await cam.poll()
        handle.resume()
        await r.answers_again()
        await cam.poll()
        handle.garble(1)
        with contextlib.suppress(CourtroomError):  # a timeout, or a retransmission that succeeds (VISCA over IP)
            await cam.poll()
        await cam.poll()  # the next exchange is good again
        handle.unplug()
        with pytest.raises(CourtroomError):
            await cam.poll()
        await cam.close()
        handle.replug()
        await r.recovers()
        await cam.poll()

"""The VISCA camera's protocol logic on a fake clock: exact replies, exact move times, no I/O."""

from __future__ import annotations

import pytest

from sim.camera_profile import CameraProfile
from sim.visca.camera import ViscaCamera, nibbles
from tests.sim.conftest import hx


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def cam_of(profile: CameraProfile, clock: Clock, address: int = 1, **kw: bool) -> ViscaCamera:
    return ViscaCamera(profile, address, clock=clock, **kw)


def ask(cam: ViscaCamera, packet: str) -> list[str]:
    return [r.hex(" ").upper() for r in cam.handle(hx(packet))]


def due(cam: ViscaCamera) -> list[str]:
    return [r.hex(" ").upper() for r in cam.due()]


def test_nibbles_of_signed_values() -> None:
    assert nibbles(-0x01B0) == hx("0F 0E 05 00")
    assert nibbles(0x0990) == hx("00 09 09 00")
    assert nibbles(0x4000) == hx("04 00 00 00")


def test_reply_header_follows_address(generic: CameraProfile, clock: Clock) -> None:
    cam = cam_of(generic, clock, address=3)
    assert ask(cam, "83 09 04 00 FF") == ["B0 50 02 FF"]
    assert ask(cam, "83 01 04 00 02 FF") == ["B0 41 FF", "B0 51 FF"]


def test_version_inquiry_uses_identity_and_simulated_rom(d70: CameraProfile, clock: Clock) -> None:
    assert ask(cam_of(d70, clock), "81 09 00 02 FF") == ["90 50 00 20 04 0E 02 10 02 FF"]


def test_absolute_move_completes_exactly_when_the_move_ends(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    # pan 200 at speed 0x0C (12/24 of 2000 u/s = 1000 u/s) -> 0.2 s; tilt 60 at 0x14 (1200 u/s) -> 0.05 s
    assert ask(cam, "81 01 06 02 0C 14 00 00 0C 08 00 00 03 0C FF") == ["90 41 FF"]
    assert cam.next_deadline() == pytest.approx(100.2)
    clock.now = 100.1
    assert due(cam) == []
    assert (cam.pan, cam.tilt, cam.moving, cam.tilt_moving) == (100, 60, True, False)
    assert ask(cam, "81 09 06 12 FF") == ["90 50 00 00 06 04 00 00 03 0C FF"]
    clock.now = 100.199
    assert due(cam) == []
    clock.now = 100.201
    assert due(cam) == ["90 51 FF"]
    assert (cam.pan, cam.tilt, cam.moving, cam.busy_sockets) == (200, 60, False, ())


def test_zoom_variable_speed_scales_with_the_speed_byte(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    assert ask(cam, "81 01 04 07 21 FF") == ["90 41 FF", "90 51 FF"]  # tele, p=1: 2/8 of 8000 u/s
    clock.now += 0.5
    assert cam.zoom == 1000
    assert ask(cam, "81 01 04 07 00 FF") == ["90 41 FF", "90 51 FF"]
    clock.now += 1.0
    assert (cam.zoom, cam.zoom_moving) == (1000, False)


@pytest.mark.parametrize(
    ("packet", "axis", "end"),
    [
        ("81 01 06 01 18 14 01 03 FF", "pan", -0x08DB),
        ("81 01 06 01 18 14 02 03 FF", "pan", 0x08DB),
        ("81 01 06 01 18 14 03 01 FF", "tilt", 0x04B0),
        ("81 01 06 01 18 14 03 02 FF", "tilt", -0x0190),
        ("81 01 04 07 02 FF", "zoom", 0x4000),
        ("81 01 04 07 37 FF", "zoom", 0),
    ],
)
def test_continuous_drives_clamp_at_range_ends(
    d70: CameraProfile, clock: Clock, packet: str, axis: str, end: int
) -> None:
    cam = cam_of(d70, clock)
    cam.set_position(zoom=0x2000)
    assert ask(cam, packet) == ["90 41 FF", "90 51 FF"]
    assert cam.moving
    clock.now += 60
    assert getattr(cam, axis) == end
    assert not cam.moving


def test_drives_can_hold_their_socket_until_stopped(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock, drives_hold_socket=True)
    assert ask(cam, "81 01 06 01 18 14 02 03 FF") == ["90 41 FF"]
    clock.now += 0.1
    assert ask(cam, "81 01 06 01 18 14 03 03 FF") == ["90 42 FF", "90 51 FF", "90 52 FF"]
    assert (cam.pan, cam.moving) == (200, False)


def test_a_superseded_move_completes_when_taken_over(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    assert ask(cam, "81 01 04 47 04 00 00 00 FF") == ["90 41 FF"]
    clock.now += 0.25
    assert ask(cam, "81 01 04 07 00 FF") == ["90 42 FF", "90 51 FF", "90 52 FF"]
    assert cam.zoom == 2000
    assert cam.next_deadline() is None


def test_third_command_gets_buffer_full_and_inquiries_still_answer(generic: CameraProfile, clock: Clock) -> None:
    cam = cam_of(generic, clock)
    assert ask(cam, "81 01 06 02 18 14 00 09 09 00 0F 0E 05 00 FF") == ["90 41 FF"]
    assert ask(cam, "81 01 04 47 04 00 00 00 FF") == ["90 42 FF"]
    assert ask(cam, "81 01 04 00 02 FF") == ["90 60 03 FF"]
    assert ask(cam, "81 09 04 00 FF") == ["90 50 02 FF"]
    clock.now += 10
    assert due(cam) == ["90 51 FF", "90 52 FF"]  # pan/tilt (0.82 s) ends before zoom (1.64 s)
    assert ask(cam, "81 09 06 12 FF") == ["90 50 00 09 09 00 0F 0E 05 00 FF"]


def test_completions_come_in_the_order_the_moves_end(generic: CameraProfile, clock: Clock) -> None:
    cam = cam_of(generic, clock)
    assert ask(cam, "81 01 04 47 04 00 00 00 FF") == ["90 41 FF"]  # 16384 / 10000 u/s = 1.64 s
    assert ask(cam, "81 01 06 02 18 14 00 00 03 00 00 00 00 00 FF") == ["90 42 FF"]  # 768 / 3000 = 0.26 s
    clock.now += 10
    assert due(cam) == ["90 52 FF", "90 51 FF"]


def test_standby_makes_commands_not_executable(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    assert ask(cam, "81 01 04 00 03 FF") == ["90 41 FF", "90 51 FF"]
    assert ask(cam, "81 09 04 00 FF") == ["90 50 03 FF"]
    for packet in ("81 01 04 47 01 00 00 00 FF", "81 01 06 04 FF", "81 01 04 3F 02 01 FF", "81 01 04 07 02 FF"):
        assert ask(cam, packet) == ["90 61 41 FF"]
    assert ask(cam, "81 09 06 12 FF") == ["90 50 00 00 00 00 00 00 00 00 FF"]
    assert ask(cam, "81 01 04 00 02 FF") == ["90 41 FF", "90 51 FF"]
    assert cam.power


def test_standby_stops_a_move_and_completes_it(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    assert ask(cam, "81 01 06 04 FF") == ["90 41 FF", "90 51 FF"]  # already home
    cam.set_position(pan=1000)
    assert ask(cam, "81 01 06 04 FF") == ["90 41 FF"]
    clock.now += 0.25
    assert ask(cam, "81 01 04 00 03 FF") == ["90 42 FF", "90 51 FF", "90 52 FF"]
    assert (cam.pan, cam.moving, cam.power) == (500, False, False)


def test_cancel_running_command_stops_it_without_completion(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    assert ask(cam, "81 01 04 47 04 00 00 00 FF") == ["90 41 FF"]
    clock.now += 0.5
    assert ask(cam, "81 21 FF") == ["90 61 04 FF"]
    clock.now += 5
    assert due(cam) == []
    assert (cam.zoom, cam.busy_sockets) == (4000, ())
    assert ask(cam, "81 21 FF") == ["90 61 05 FF"]
    assert ask(cam, "81 22 FF") == ["90 62 05 FF"]
    assert ask(cam, "81 23 FF") == ["90 63 05 FF"]


def test_if_clear_to_one_camera_cancels_running_commands(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    ask(cam, "81 01 04 47 04 00 00 00 FF")
    ask(cam, "81 01 06 02 01 01 00 08 00 00 00 00 00 00 FF")
    assert cam.busy_sockets == (1, 2)
    clock.now += 0.1
    assert ask(cam, "81 01 00 01 FF") == ["90 50 FF"]
    clock.now += 60
    assert due(cam) == []
    assert not cam.busy_sockets
    assert cam.zoom == 800
    assert cam.pan == round(2000 / 24 * 0.1)


def test_presets_store_and_recall_all_three_axes(generic: CameraProfile, clock: Clock) -> None:
    cam = cam_of(generic, clock)
    cam.set_position(pan=300, tilt=-150, zoom=1000)
    assert ask(cam, "81 01 04 3F 01 7F FF") == ["90 41 FF", "90 51 FF"]
    assert cam.presets == {127: (300, -150, 1000)}
    cam.set_position(pan=0, tilt=0, zoom=0)
    assert ask(cam, "81 01 04 3F 02 7F FF") == ["90 41 FF"]
    clock.now = 100.099  # each axis takes 0.1 s: 300 / 3000, 150 / 1500, 1000 / 10000
    assert due(cam) == []
    clock.now = 100.101
    assert due(cam) == ["90 51 FF"]
    assert (cam.pan, cam.tilt, cam.zoom) == (300, -150, 1000)
    assert ask(cam, "81 01 04 3F 00 7F FF") == ["90 41 FF", "90 51 FF"]
    assert cam.presets == {}


def test_recalling_a_never_stored_preset_goes_home_and_wide(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    cam.set_position(pan=-400, tilt=100, zoom=800)
    assert ask(cam, "81 01 04 3F 02 05 FF") == ["90 41 FF"]
    clock.now += 0.199  # pan 400 / 2000 u/s is the longest axis
    assert due(cam) == []
    clock.now += 0.002
    assert due(cam) == ["90 51 FF"]
    assert (cam.pan, cam.tilt, cam.zoom) == (0, 0, 0)


def test_quirk_recall_acks_moves_and_never_completes(clock: Clock) -> None:
    old = CameraProfile.load("sony/evi-d70", rom=0x0150)
    assert old.preset_recall_no_completion
    cam = cam_of(old, clock)
    cam.set_position(pan=400)
    assert ask(cam, "81 01 04 3F 02 00 FF") == ["90 41 FF"]
    assert cam.busy_sockets == (1,)
    clock.now += 1
    assert due(cam) == []
    assert cam.pan == 0
    assert not cam.busy_sockets
    assert ask(cam, "81 01 06 04 FF") == ["90 41 FF", "90 51 FF"]


def test_firmware_entry_overrides_the_preset_count(d70: CameraProfile, clock: Clock) -> None:
    data = {
        "protocol": "visca",
        "identity": {"vendor_id": 1, "model_id": 2},
        "ranges": {
            k: {"min": getattr(d70, k).min, "max": getattr(d70, k).max}
            for k in ("zoom", "pan", "tilt", "pan_speed", "tilt_speed", "zoom_speed")
        },
        "presets": 6,
        "motion": {"pan_units_per_s": 1, "tilt_units_per_s": 1, "zoom_units_per_s": 1},
        "firmware": [{"rom": {"min": 0, "max": 0xFF}, "presets": 2}, {"rom": {"min": 0x100, "max": 0xFFFF}}],
        "simulate": {"rom": 0x10},
    }
    profile = CameraProfile.from_mapping(data, ref="x/y", source="x/y.yaml")
    assert profile.preset_count == 2
    cam = cam_of(profile, clock)
    assert ask(cam, "81 01 04 3F 01 01 FF") == ["90 41 FF", "90 51 FF"]
    assert ask(cam, "81 01 04 3F 01 02 FF") == ["90 60 02 FF"]
    later = CameraProfile.from_mapping(data, ref="x/y", source="x/y.yaml", rom=0x200)
    assert later.preset_count == 6


@pytest.mark.parametrize(
    "packet",
    [
        "81 01 04 38 FF",  # the worked example: parameter missing
        "81 FF",  # too short
        "81 05 FF",  # unknown message type
        "81 01 7E 01 02 FF",  # unknown category
        "81 01 04 00 04 FF",  # power with a bad value
        "81 01 04 07 04 FF",  # zoom with a bad sub-command
        "81 01 04 07 28 FF",  # variable zoom speed 8 > max 7
        "81 01 04 47 04 00 00 01 FF",  # zoom direct past 0x4000
        "81 01 04 47 10 00 00 00 FF",  # a nibble byte above 0x0F
        "81 01 04 3F 01 06 FF",  # preset 6 on a 6-preset model
        "81 01 04 3F 03 01 FF",  # unknown preset operation
        "81 01 06 01 19 14 01 03 FF",  # pan speed 0x19 > 0x18
        "81 01 06 01 18 15 03 01 FF",  # tilt speed 0x15 > 0x14
        "81 01 06 01 00 14 01 03 FF",  # pan speed 0
        "81 01 06 01 18 14 04 03 FF",  # bad direction
        "81 01 06 02 18 14 00 09 09 00 00 00 00 00 FF",  # pan 0x0990 beyond the EVI-D70's 0x08DB
        "81 01 06 02 18 14 00 00 00 00 0F 0E 05 00 FF",  # tilt -0x01B0 below -0x0190
        "81 01 06 03 18 14 00 09 00 00 00 00 00 00 FF",  # relative past the end
        "81 01 06 02 18 14 00 00 00 FF",  # absolute with too few nibbles
        "81 01 06 04 01 FF",  # home with a parameter
        "81 09 04 48 FF",  # unknown inquiry
        "81 2F 01 FF",  # cancel with a parameter
    ],
)
def test_syntax_error_for_unknown_commands_and_bad_parameters(d70: CameraProfile, clock: Clock, packet: str) -> None:
    cam = cam_of(d70, clock)
    assert ask(cam, packet) == ["90 60 02 FF"]
    assert (cam.pan, cam.tilt, cam.zoom, cam.busy_sockets, cam.presets) == (0, 0, 0, (), {})


def test_drive_stop_ignores_the_speed_of_a_stopped_axis(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    assert ask(cam, "81 01 06 01 00 00 03 03 FF") == ["90 41 FF", "90 51 FF"]


def test_relative_move_adds_to_the_current_position(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    cam.set_position(pan=100, tilt=100)
    assert ask(cam, "81 01 06 03 18 14 0F 0F 0C 0E 00 00 03 02 FF") == ["90 41 FF"]  # pan -50, tilt +50
    clock.now += 1
    assert due(cam) == ["90 51 FF"]
    assert (cam.pan, cam.tilt) == (50, 150)


def test_message_length_error_over_16_bytes(d70: CameraProfile, clock: Clock) -> None:
    cam = cam_of(d70, clock)
    assert ask(cam, "81 01 06 02 18 14 00 00 00 00 00 00 00 00 00 FF") == ["90 60 02 FF"]  # 16: length ok
    assert ask(cam, "81 01 06 02 18 14 00 00 00 00 00 00 00 00 00 00 FF") == ["90 60 01 FF"]


def test_address_must_be_a_visca_address(d70: CameraProfile) -> None:
    with pytest.raises(ValueError, match=r"1\.\.7"):
        ViscaCamera(d70, 8)


def test_speed_fraction_is_relative_to_the_max(d70: CameraProfile) -> None:
    assert d70.pan_speed.fraction(0x18) == 1.0
    assert d70.pan_speed.fraction(0x0C) == 0.5
    assert d70.zoom_speed.fraction(7) == 1.0
    assert d70.zoom_speed.fraction(0) == 1 / 8

"""The PJLink driver against the simulated projector: login, warm-up refusals, reconnects, errors, lamp."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from drivers.devices.display import Display
from drivers.errors import ConfigError, DeviceOffline, NotExecutable, TransportLost
from drivers.factory import DeviceFactory
from drivers.pjlink.device import AuthenticationFailed
from drivers.profiles import ProfileLibrary
from sim.pjlink import Projector
from tests.functional.harness import Rig, rig

REF = "epson/eb-l1075u"


def parts(r: Rig) -> tuple[Display, Projector]:
    assert isinstance(r.device, Display) and isinstance(r.handle, Projector)
    return r.device, r.handle


async def test_login_with_password_file(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("courtroom7\n", encoding="utf-8")
    async with rig(tmp_path, "display", REF, options={"password_file": str(secret)}) as r:
        display, projector = parts(r)
        assert projector.password == "courtroom7"
        assert display.state.power_state == "off"
        assert display.info.extra["manufacturer"] == "EPSON"
        await display.power(True)
        assert projector.power


async def test_wrong_password_takes_the_device_offline_with_a_clear_reason(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("right\n", encoding="utf-8")
    async with rig(tmp_path, "display", REF, options={"password_file": str(secret)}) as r:
        display, projector = parts(r)
        await display.close()
        projector.password = "changed-on-the-projector"
        with pytest.raises(AuthenticationFailed) as caught:
            await display.connect()
        assert isinstance(caught.value, DeviceOffline)
        assert str(caught.value) == "PJLink authentication failed"
        projector.password = None
        await r.recovers()


async def test_password_wanted_but_none_configured(tmp_path: Path) -> None:
    async with rig(tmp_path, "display", REF) as r:
        display, projector = parts(r)
        await display.close()
        projector.password = "secret"
        with pytest.raises(AuthenticationFailed, match=r"^PJLink authentication failed: .*password_file"):
            await display.connect()


async def test_input_during_warm_up_is_not_executable(tmp_path: Path) -> None:
    async with rig(tmp_path, "display", REF) as r:
        display, projector = parts(r)
        projector.set_warmup(5.0)
        await display.power(True)
        assert display.state.power_state == "warming" and display.state.power is True
        with pytest.raises(NotExecutable, match="projector is warming up") as caught:
            await display.select_input("hdmi1")
        assert caught.value.device_code == 3


async def test_power_on_with_a_failed_lamp_is_refused(tmp_path: Path) -> None:
    async with rig(tmp_path, "display", REF) as r:
        display, projector = parts(r)
        projector.lamp_failure()
        with pytest.raises(NotExecutable, match="projector failure"):
            await display.power(True)
        await display.poll()
        assert display.state.errors["lamp"] == "error"
        assert display.state.errors["fan"] == "ok"
        assert display.state.lamp_hours == [1234]


async def test_error_status_av_mute_and_lamp_hours(tmp_path: Path) -> None:
    async with rig(tmp_path, "display", REF) as r:
        display, projector = parts(r)
        await display.power(True)
        await r.refresh_until(lambda: display.state.power_state == "on", what="on")
        await display.execute("av_mute", {"on": True})
        assert projector.av_mute and display.state.av_mute is True
        await display.execute("av_mute", {"on": False})
        assert not projector.av_mute
        projector.set_error("filter", "warning")
        projector.set_error("temperature", "error")
        snap = await display.execute("refresh", {})
        assert snap["errors"]["filter"] == "warning"
        assert snap["errors"]["temperature"] == "error"
        assert snap["lamp_hours"] == [1234]
        assert snap["volume"] is None and snap["mute"] is None


async def test_idle_drop_is_followed_by_a_transparent_reconnect(tmp_path: Path) -> None:
    async with rig(tmp_path, "display", REF) as r:
        display, projector = parts(r)
        projector.set_idle_drop(0.1)
        await display.poll()  # re-arms the idle timer with the short time
        await asyncio.sleep(0.3)
        assert projector.endpoint.connections == 0
        await display.poll()
        assert projector.endpoint.connections == 1


async def test_a_drop_racing_a_command_is_retried_once(tmp_path: Path) -> None:
    async with rig(tmp_path, "display", REF) as r:
        display, projector = parts(r)
        projector.hang_up_on_next(1)
        await display.power(True)
        assert projector.power
        projector.hang_up_on_next(2)  # dropped again after the reconnect: the command fails
        with pytest.raises(TransportLost):
            await display.power(False)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pasword": "x"}, r"dut: options\.pasword: unknown key"),
        ({"password": "a", "password_file": "/x"}, "not both"),
        ({"password_file": "/nonexistent/pw"}, r"dut: options\.password_file: cannot read"),
        ({"password": "x" * 33}, r"dut: options\.password"),
    ],
)
def test_bad_room_options_name_the_key(options: dict[str, str], message: str) -> None:
    factory = DeviceFactory(ProfileLibrary())
    with pytest.raises(ConfigError, match=message):
        factory.build("dut", REF, "tcp://192.0.2.10", options=options)

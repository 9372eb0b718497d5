"""The Tesira driver over SSH against the simulated unit's SSH server: login from a credentials file, the host
key checked against known_hosts, pushes, a reconnect, and the refusals a technician may meet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from drivers.errors import ConfigError, TransportLost
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from drivers.tesira.device import TesiraDsp
from drivers.tesira.ssh import parse_ssh_url, read_credentials
from sim.room import SimulatedRoom
from sim.tesira import Tesira
from sim.tesira_ssh import SshEndpoint
from tests.functional.harness import Rig

FORTE = "biamp/tesira-forte-ai"


def write_room(tmp_path: Path, credentials: dict[str, Any]) -> tuple[Path, Path]:
    secret = tmp_path / "secrets" / "dsp-login.yaml"
    secret.parent.mkdir()
    secret.write_text(yaml.safe_dump(credentials))
    secret.chmod(0o600)
    device = {
        "id": "dsp",
        "kind": "audio_processor",
        "profile": FORTE,
        "transport": {"port": "ssh://192.0.2.30:22"},
        "options": {"credentials_file": str(secret)},
    }
    room = tmp_path / "room.yaml"
    room.write_text(yaml.safe_dump({"devices": [device]}))
    return room, secret


def trust(endpoint: SshEndpoint, known_hosts: Path) -> None:
    known_hosts.write_text(endpoint.known_hosts_line + "\n")


@pytest.fixture
async def unit(tmp_path: Path) -> AsyncIterator[tuple[SimulatedRoom, Tesira, Path]]:
    """A simulated FORTÉ on SSH with login courtroom/hunter2; its host key in secrets/known_hosts."""
    room, secret = write_room(
        tmp_path, {"username": "courtroom", "password": "hunter2", "known_hosts": "known_hosts"}
    )
    sim = SimulatedRoom(room, tmp_path / "run")
    await sim.start()
    try:
        dsp = sim.device("dsp")
        assert isinstance(dsp, Tesira) and isinstance(dsp.endpoint, SshEndpoint)
        trust(dsp.endpoint, secret.parent / "known_hosts")
        yield sim, dsp, secret
    finally:
        await sim.stop()


def build(sim: SimulatedRoom, secret: Path) -> TesiraDsp:
    device = DeviceFactory(ProfileLibrary()).build(
        "dsp", FORTE, sim.endpoints["dsp"], options={"credentials_file": str(secret)}
    )
    assert isinstance(device, TesiraDsp)
    return device


async def test_ttp_over_ssh_end_to_end(unit: tuple[SimulatedRoom, Tesira, Path]) -> None:
    sim, handle, secret = unit
    dsp = build(sim, secret)
    try:
        await dsp.connect()
        rig = Rig(dsp, handle, sim)
        assert dsp.info.firmware == "4.7.1.23292" and dsp.info.extra["hostname"] == "TesiraForte01"
        await dsp.set_level("program", -18)
        assert handle.level("Level1", 1) == -18
        handle.press_mute("MicLevels", 2, True)
        await rig.until(lambda: dsp.state["witness-mic"].mute is True, what="mute pushed over SSH")
        handle.unplug()
        await dsp.close()
        handle.replug()
        await rig.recovers()
        handle.turn_knob("Master", 1, -20)
        await rig.until(lambda: dsp.state["room-master"].level_db == -20, what="push after the SSH reconnect")
    finally:
        await dsp.close()


async def test_a_wrong_password_or_an_unknown_host_key_is_refused_with_the_reason(
    unit: tuple[SimulatedRoom, Tesira, Path], tmp_path: Path
) -> None:
    sim, _, secret = unit
    secret.write_text(yaml.safe_dump({"username": "courtroom", "password": "guess", "known_hosts": "known_hosts"}))
    dsp = build(sim, secret)
    with pytest.raises(TransportLost, match="SSH login refused for user 'courtroom'"):
        await dsp.connect()
    (secret.parent / "known_hosts").write_text("[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnly\n")
    secret.write_text(yaml.safe_dump({"username": "courtroom", "password": "hunter2", "known_hosts": "known_hosts"}))
    dsp = build(sim, secret)
    with pytest.raises(TransportLost, match="host key"):
        await dsp.connect()
    assert not dsp.link.is_open


@pytest.mark.parametrize(
    ("port", "options", "message"),
    [
        ("ssh://192.0.2.30", {}, r"dsp: options\.credentials_file: an ssh:// port needs a credentials file"),
        ("tcp://192.0.2.30", {"credentials_file": "x.yaml"}, r"only an ssh:// port logs in"),
        ("ssh://192.0.2.30", {"credentials_file": "/nonexistent/login.yaml"}, r"cannot read /nonexistent"),
        ("ssh://192.0.2.30:99999", {"credentials_file": "x.yaml"}, r"no valid port number"),
    ],
)
def test_ssh_configuration_errors_name_the_key(port: str, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DeviceFactory(ProfileLibrary()).build("dsp", FORTE, port, options=options)


def test_credentials_files_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "login.yaml"
    path.write_text("username: admin\npassword: x\n")
    with pytest.raises(ConfigError, match=r"known_hosts: name a known_hosts file, or set host_key_check: false"):
        read_credentials(path, "dsp: options.credentials_file")
    path.write_text("username: admin\npasword: x\nhost_key_check: false\n")
    with pytest.raises(ConfigError, match=r"pasword: unknown key"):
        read_credentials(path, "dsp: options.credentials_file")
    path.write_text("username: admin\nknown_hosts: hosts\n")
    assert read_credentials(path, "x").known_hosts == tmp_path / "hosts"  # relative to the credentials file
    assert parse_ssh_url("ssh://dsp.court.local") == ("dsp.court.local", 22)

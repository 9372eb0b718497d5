"""`courtroom check` on hostile configs: each problem one line naming file, device id and key, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.cli import main
from tests.conftest import REPO

EXAMPLE = REPO / "deploy" / "examples" / "courtroom-standard.yaml"


def _check(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any = None, text: str | None = None) -> str:
    """Run ``courtroom check`` on ``data`` (or raw ``text``); return its stderr, asserting exit 1."""
    path = tmp_path / "room.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(data, allow_unicode=True))
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def _example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


def test_deep_nesting_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for text in ("room: " + "[" * 5000 + "]" * 5000, "room: " + "{a: " * 3000 + "1" + "}" * 3000):
        err = _check(tmp_path, capsys, text=text)
        assert err.strip().count("\n") == 0
        assert f"{tmp_path / 'room.yaml'}: nested too deeply (at most 32 levels)" in err
    err = _check(tmp_path, capsys, text="room: " + "[" * 40 + "]" * 40)  # parses, but deeper than any config
    assert "nested too deeply" in err


def test_a_quoted_number_is_refused_naming_the_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _example()
    data["devices"][4]["address"] = "5"
    data["broker"]["port"] = "1883"
    err = _check(tmp_path, capsys, data)
    path = tmp_path / "room.yaml"
    assert f"{path}: devices[4] (cam-panorama).address: Input should be a valid integer, got the text '5'" in err
    assert f"{path}: broker.port: Input should be a valid integer, got the text '1883'" in err
    assert len(err.strip().splitlines()) == 2


def test_absurd_values_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = EXAMPLE.read_text().replace("disk_headroom_s: 1800", "disk_headroom_s: 1e30", 1)
    assert "disk_headroom_s: 1e30" in text
    err = _check(tmp_path, capsys, text=text)
    assert "hearing.disk_headroom_s: Input should be a valid integer, got 1e+30" in err  # a YAML 1.2 number
    data = _example()
    data["hearing"]["disk_headroom_s"] = 10**9
    data["voice_follow"] = {"hold_s": 1e12}
    data["broker"]["command_max_age_s"] = 1e9
    err = _check(tmp_path, capsys, data)
    assert "hearing.disk_headroom_s: Input should be less than or equal to 604800" in err
    assert "voice_follow.hold_s: Input should be less than or equal to 600" in err
    assert "broker.command_max_age_s: Input should be less than or equal to 3600" in err


def test_misspelt_keys_kinds_profiles_and_devices_get_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _example()
    data["devices"][2]["adress"] = data["devices"][2].pop("address")
    data["devices"][3]["kind"] = "camra"
    data["hearing"]["disk_headroom"] = 60
    err = _check(tmp_path, capsys, data)
    assert "devices[2] (cam-defendant).adress: unknown key (did you mean 'address'?)" in err
    assert "devices[3] (cam-witness).kind: Input should be 'camera'," in err and "(did you mean 'camera'?)" in err
    assert "hearing.disk_headroom: unknown key (did you mean 'disk_headroom_s'?)" in err

    data = _example()
    data["seats"][0]["camera"] = "cam-judg"
    err = _check(tmp_path, capsys, data)
    assert "seats[0] (judge).camera: no device 'cam-judg' (did you mean 'cam-judge'?)" in err or (
        "seats[0].camera: no device 'cam-judg' (did you mean 'cam-judge'?)" in err
    )

    data = _example()
    data["devices"][1]["profile"] = "generic/visca-ptz-2x"
    err = _check(tmp_path, capsys, data)
    assert "devices[1] (cam-plaintiff).profile: unknown profile 'generic/visca-ptz-2x'" in err
    assert "did you mean 'generic/visca-ptz-20x'?" in err


def test_overlapping_firmware_ranges_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profiles = tmp_path / "profiles"
    shutil.copytree(REPO / "firmware_profiles", profiles)
    model = profiles / "models/sony/evi-d70.yaml"
    text = model.read_text()
    assert "rom: {min: 0x0200, max: 0xFFFF}" in text
    model.write_text(text.replace("rom: {min: 0x0200, max: 0xFFFF}", "rom: {min: 0x0180, max: 0xFFFF}"))
    data = _example()
    data["profiles_dir"] = str(profiles)
    err = _check(tmp_path, capsys, data)
    assert f"{model}: firmware[1].rom: 0x0180-0xffff overlaps firmware[0].rom 0x0000-0x01ff" in err
    assert len(err.strip().splitlines()) == 1

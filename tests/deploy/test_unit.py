"""The service unit: hardened (systemd-analyze rates it at most 3.0), Type=notify with a watchdog, and the same
user, group and device permissions as the udev rules and the docs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "systemd" / "courtroom.service"
RULES = REPO / "deploy" / "udev" / "99-courtroom.rules"
MAX_EXPOSURE = 3.0


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_systemd_analyze_rates_the_unit_ok() -> None:
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.skip("systemd-analyze is not installed (package systemd): the exposure cannot be rated here")
    out = subprocess.run(
        [exe, "security", "--offline=yes", "--no-pager", str(UNIT)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out.stdout)
    assert match, out.stdout + out.stderr
    assert float(match.group(1)) <= MAX_EXPOSURE, out.stdout


def test_notify_and_watchdog() -> None:
    s = unit_settings()
    assert s["Type"] == ["notify"]
    assert s["NotifyAccess"] == ["main"]
    assert re.fullmatch(r"\d+s", s["WatchdogSec"][0])
    assert s["Restart"] == ["always"]


def test_one_user_group_and_device_story() -> None:
    s = unit_settings()
    assert s["User"] == ["courtroom"] and s["Group"] == ["courtroom"]
    assert "SupplementaryGroups" not in s  # the udev rules give the group the devices, nothing else is needed
    assert s["UMask"] == ["0027"]
    assert s["DevicePolicy"] == ["closed"]
    rules = [line for line in RULES.read_text().splitlines() if line and not line.startswith("#")]
    assert rules
    for rule in rules:
        assert 'GROUP="courtroom"' in rule and 'MODE="0660"' in rule, rule
    for doc in ("docs/usb.md", "docs/install.md"):
        assert 'GROUP="courtroom"' in (REPO / doc).read_text(), doc
    for path in [*REPO.joinpath("deploy").rglob("*"), *REPO.joinpath("docs").rglob("*.md")]:
        if path.is_file():
            assert "dialout" not in path.read_text(), f"{path}: the service's group is courtroom, not dialout"


def test_the_unit_can_reach_every_device_class_the_rules_name() -> None:
    """A udev rule for a subsystem the unit's DeviceAllow= does not open would be a device the daemon cannot use."""
    allowed = {value.split()[0] for value in unit_settings()["DeviceAllow"]}
    needs = {
        "tty": "char-ttyUSB",
        "usb": "char-usb_device",
        "video4linux": "char-video4linux",
        "sound": "char-alsa",
        "hidraw": "char-hidraw",
    }
    subsystems = set(re.findall(r'^SUBSYSTEM=="([^"]+)"', RULES.read_text(), re.M))
    assert subsystems == set(needs)
    for subsystem in subsystems:
        assert needs[subsystem] in allowed, subsystem


def test_systemd_knows_every_setting_of_the_unit() -> None:
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.skip("systemd-analyze is not installed (package systemd): the unit cannot be verified here")
    out = subprocess.run([exe, "verify", str(UNIT)], check=False, capture_output=True, text=True, timeout=60)
    problems = [
        line
        for line in (out.stdout + out.stderr).splitlines()
        if line.strip() and "/opt/courtroom/.venv/bin/courtroom is not executable" not in line  # not installed here
    ]
    assert problems == []

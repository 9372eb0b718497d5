"""The bridge to the central cluster carries every topic of the contract's table once, in its direction."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from controller.fleet.bridge import IN, LOCAL_USERNAME, OUT, BridgeSettings, bridge_config, carried_by, matches
from drivers.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
SAMPLES = {
    "<device>": ["cam-judge", "rec-main"],
    "<action>": ["zoom_to"],
    "<user>": ["platform"],
    "<op>": ["republish"],
}


def contract_topics() -> list[tuple[str, str, int]]:
    """(full topic, direction, QoS) for each row of docs/mqtt.md's topic table, placeholders filled in."""
    text = (REPO / "docs" / "mqtt.md").read_text()
    table = text.split("<!-- topic-table -->", 1)[1].split("<!-- /topic-table -->", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (in|out) \| (?:yes|no) \| (\d) \|", table, re.M)
    assert len(rows) > 20, table
    topics = []
    for pattern, direction, qos in rows:
        filled = [pattern]
        for placeholder, values in SAMPLES.items():
            filled = [f.replace(placeholder, v) for f in filled for v in values] if placeholder in pattern else filled
        topics += [(f"courtroom/v1/b2-cr104/{f}", direction, int(qos)) for f in filled]
    return topics


def test_every_contract_topic_is_carried_once_in_its_direction() -> None:
    for topic, direction, qos in contract_topics():
        carried = carried_by(topic)
        other = "in" if direction == "out" else "out"
        assert carried[other] == [], f"{topic} would travel both ways: {carried}"
        if qos == 0:  # meters stay in the room
            assert carried[direction] == [], topic
        else:
            assert len(carried[direction]) == 1, f"{topic}: {carried[direction]}"


def test_the_old_overlaps_are_gone() -> None:
    assert len(carried_by("courtroom/v1/r/hearing/state")["out"]) == 1
    assert len(carried_by("courtroom/v1/r/$ctl/state")["out"]) == 1
    assert len(carried_by("courtroom/v1/r/hearing/cmd/open")["in"]) == 1
    assert matches("courtroom/v1/+/+/state", "courtroom/v1/r/$ctl/state")  # `$` is special at the first level only
    assert not matches("courtroom/v1/+/+/state", "courtroom/v1/r/cam/state/x")


def test_the_config_lists_each_pattern_once_and_the_example_is_generated() -> None:
    settings = BridgeSettings(
        "b2-cr104",
        [f"central-{i}.court.example:8883" for i in (1, 2, 3)],
        username="b2-cr104",
        cafile="/etc/mosquitto/certs/central-ca.crt",
    )
    text = bridge_config(settings)
    topics = re.findall(r"^topic (\S+) (in|out) (\d)$", text, re.M)
    assert [t for t, d, _ in topics if d == "out"] == [f"courtroom/v1/{p}" for p in OUT]
    assert [t for t, d, _ in topics if d == "in"] == [f"courtroom/v1/{p}" for p in IN]
    assert "addresses central-1.court.example:8883 central-2.court.example:8883 central-3.court.example:8883" in text
    assert "round_robin false" in text and "cleansession false" in text
    example = (REPO / "deploy/mosquitto/bridge-central.conf").read_text()
    assert example.split("\n", 1)[1] == text.split("\n", 1)[1], "regenerate deploy/mosquitto/bridge-central.conf"
    acl = (REPO / "deploy/mosquitto/courtroom.acl").read_text()
    assert f"user {LOCAL_USERNAME}\ntopic read courtroom/v1/#\n" in acl


@pytest.mark.parametrize(
    ("name", "addresses", "message"),
    [
        ("b2", [], "at least one central address"),
        ("b2", ["central:port"], "central address 'central:port'"),
        ("B 2", ["c:1883"], "bridge name 'B 2'"),
    ],
)
def test_bad_settings_are_refused(name: str, addresses: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        BridgeSettings(name, addresses)


def test_the_command_line() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "controller.cli",
            "fleet",
            "bridge-config",
            "--name",
            "r1",
            "--central",
            "a:1,b:2",
            "--round-robin",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "addresses a:1 b:2\nround_robin true\n" in out.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "controller.cli", "fleet", "bridge-config", "--name", "r1", "--central", "a"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip() == "courtroom fleet: central address 'a': expected HOST:PORT"

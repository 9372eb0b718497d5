"""The udev rules against what the project drives: a stable name for every serial line the example rooms use,
a VID:PID rule for every USB device they name and every USB model profile."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "deploy" / "udev" / "99-courtroom.rules"


def rules() -> list[dict[str, str]]:
    parsed = []
    for line in RULES.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            pairs = re.findall(r'([A-Z]+(?:\{[A-Za-z_]+\})?)\s*(==|\+=|=)\s*"([^"]*)"', line)
            assert ", ".join(f'{k}{op}"{v}"' for k, op, v in pairs) == line.strip(), f"cannot parse: {line}"
            parsed.append({k + ("" if op == "==" else op): v for k, op, v in pairs})
    return parsed


def example_ports() -> list[str]:
    ports = []
    for path in sorted((REPO / "deploy" / "examples").glob("*.yaml")):
        for device in yaml.safe_load(path.read_text()).get("devices", []):
            ports.append(str(device["transport"]["port"]))
    return ports


def usb_profiles() -> dict[str, tuple[str, str]]:
    found = {}
    for path in sorted((REPO / "firmware_profiles" / "models").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if str(data.get("protocol", "")).startswith("usb."):
            identity = data["identity"]
            found[str(path)] = (f"{identity['vendor_id']:04x}", f"{identity['model_id']:04x}")
    return found


def test_every_serial_line_of_the_examples_has_a_stable_name() -> None:
    names = [p.removeprefix("/dev/courtroom/") for p in example_ports() if p.startswith("/dev/")]
    assert names and all(not n.startswith("/") for n in names), "example rooms name serial lines by /dev/courtroom/"
    tty = [r for r in rules() if r["SUBSYSTEM"] == "tty"]
    for name in set(names):
        matching = [r for r in tty if r.get("SYMLINK+=") == f"courtroom/{name}"]
        assert len(matching) == 1, name
        assert {"ATTRS{idVendor}", "ATTRS{idProduct}", "ATTRS{serial}"} <= set(matching[0]), name
    serials = [r["ATTRS{serial}"] for r in tty]
    assert len(serials) == len(set(serials)), "two lines on one adapter serial"


def test_every_usb_device_has_its_rules() -> None:
    wanted = {tuple(p.split(":")[1:3]) for p in example_ports() if p.startswith("usb:")}
    profiles = usb_profiles()
    assert wanted and profiles
    wanted |= set(profiles.values())
    by_subsystem: dict[str, set[tuple[str, str]]] = {}
    for r in rules():
        vendor = r.get("ATTR{idVendor}") or r.get("ATTRS{idVendor}")
        ids = (vendor, r.get("ATTR{idProduct}") or r.get("ATTRS{idProduct}"))
        if ids[0] and ids[1] and r["SUBSYSTEM"] != "tty":
            by_subsystem.setdefault(r["SUBSYSTEM"], set()).add((ids[0], ids[1]))
    assert wanted <= by_subsystem["usb"], wanted - by_subsystem["usb"]
    for path, ids in profiles.items():
        protocol = yaml.safe_load(Path(path).read_text())["protocol"]
        node = {"usb.uvc": "video4linux", "usb.uac": "sound"}.get(protocol, "hidraw")
        assert ids in by_subsystem[node], (path, node)


def test_usb_rules_match_the_device_not_its_interfaces() -> None:
    for r in rules():
        if r["SUBSYSTEM"] == "usb":
            assert r["ENV{DEVTYPE}"] == "usb_device", r  # else the rule also fires on each interface

"""deploy/install.sh in a throw-away root (DESTDIR): every file docs/install.md names, with its mode and owner;
a second run changes nothing; the uninstall keeps the journal and the recordings."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from controller.console.users import read_users
from controller.signing import RoomKey

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "deploy" / "install.sh"
GUIDE = REPO / "docs" / "install.md"
RECORD = ".courtroom-install-commands"


def guide_files() -> list[tuple[str, str, str]]:
    text = GUIDE.read_text()
    table = text.split("<!-- installed-files", 1)[1].split("<!-- /installed-files -->", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (\d*) \| ([a-z]+:[a-z]+) \|", table, re.M)
    assert len(rows) >= 10, table
    return rows


def install(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DESTDIR": str(root), "COURTROOM_PYTHON": sys.executable}
    out = subprocess.run(
        ["bash", str(INSTALL), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def snapshot(root: Path) -> dict[str, tuple[int, str, int]]:
    found = {}
    for path in sorted(root.rglob("*")):
        rel = "/" + str(path.relative_to(root))
        if rel == "/" + RECORD:
            continue
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[rel] = (st.st_mode, digest, st.st_mtime_ns)
    return found


def recorded(root: Path) -> list[str]:
    return (root / RECORD).read_text().splitlines()


def test_install_writes_what_the_guide_says_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    first = install(root)
    assert first.stdout.rstrip().endswith("installed")
    commands = recorded(root)
    for path, mode, owner in guide_files():
        target = root / path.lstrip("/")
        if mode:
            assert target.exists(), path
            assert f"{target.stat().st_mode & 0o7777:04o}" == mode, path
        else:  # made by a system command (the venv)
            assert any(path.rstrip("/") in c.split() for c in commands if "venv" in c), path
        parents = [str(p) for p in Path(path.rstrip("/")).parents]
        assert f"chown {owner} {path.rstrip('/')}" in commands or any(
            f"chown -R {owner} {p}" in commands for p in parents
        ), (path, owner)
    # what would change the running system, in order: packages, user, venv, udev, unit
    assert commands[0] == "apt-get update -qq"
    assert "groupadd --system courtroom" in commands
    assert any(c.startswith("useradd --system --gid courtroom") and c.endswith(" courtroom") for c in commands)
    assert "/opt/courtroom/.venv/bin/pip install -q -e /opt/courtroom/src" in commands
    assert commands.index("udevadm control --reload") < commands.index("udevadm trigger")
    assert commands.index("systemctl daemon-reload") < commands.index("systemctl enable courtroom.service")
    # the contents: the example room, its MQTT user, a key that loads, a console user
    etc = root / "etc" / "courtroom"
    assert (etc / "room.yaml").read_text() == (REPO / "deploy/examples/courtroom-standard.yaml").read_text()
    password = (etc / "mqtt-password").read_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9]{32}", password)
    passwd = (root / "etc/mosquitto/courtroom.passwd").read_text()
    assert re.fullmatch(r"b2-cr104:\$7\$\S+\n", passwd)
    state = root / "var/lib/courtroom"
    assert len(RoomKey.load(state / "keys/signing-key.pem").fingerprint) == 16
    assert list(read_users(state / "console-users.yaml").users) == ["technician"]
    for name in ("courtroom.conf", "courtroom.acl"):
        source = REPO / "deploy/mosquitto" / name
        installed = root / ("etc/mosquitto/conf.d" if name.endswith(".conf") else "etc/mosquitto") / name
        assert installed.read_bytes() == source.read_bytes()
    assert (root / "opt/courtroom/src/controller/daemon.py").read_bytes() == (
        REPO / "controller/daemon.py"
    ).read_bytes()
    assert (root / "opt/courtroom/src/firmware_profiles").is_dir()

    before = snapshot(root)
    second = install(root)
    assert second.stdout.rstrip().endswith("nothing changed"), second.stdout
    assert snapshot(root) == before


def test_a_new_config_and_the_bridge_are_installed_and_the_old_config_kept(tmp_path: Path) -> None:
    root = tmp_path / "root"
    install(root)
    mine = tmp_path / "my-room.yaml"
    data = yaml.safe_load((REPO / "deploy/examples/courtroom-standard.yaml").read_text())
    data["room"]["name"] = "第五审判庭"
    mine.write_text(yaml.safe_dump(data, allow_unicode=True))
    (root / "etc/courtroom/central-password").write_text("central-secret\n")
    out = install(root, "--config", str(mine), "--central", "central-1:8883,central-2:8883")
    assert "kept the previous config as /etc/courtroom/room.yaml.previous" in out.stdout
    bridge = root / "etc/mosquitto/conf.d/courtroom-bridge.conf"
    assert f"{bridge.stat().st_mode & 0o777:o}" == "640"  # it holds the central password
    assert "addresses central-1:8883 central-2:8883\n" in bridge.read_text()
    assert "remote_username b2-cr104\nremote_password central-secret\n" in bridge.read_text()
    assert "chown root:mosquitto /etc/mosquitto/conf.d/courtroom-bridge.conf" in recorded(root)
    assert (root / "etc/courtroom/room.yaml").read_text() == mine.read_text()
    assert "第四审判庭" in (root / "etc/courtroom/room.yaml.previous").read_text()
    assert "room b2-cr104 (第五审判庭)" in out.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"state_dir": "/srv/courtroom"}, "state_dir must be /var/lib/courtroom"),
        ({"devices": [{"id": "x"}]}, "is not a valid room config"),
    ],
)
def test_a_bad_config_is_refused_in_one_line(tmp_path: Path, change: dict[str, object], message: str) -> None:
    bad = tmp_path / "bad.yaml"
    data = yaml.safe_load((REPO / "deploy/examples/courtroom-standard.yaml").read_text())
    bad.write_text(yaml.safe_dump({**data, **change}))
    out = install(tmp_path / "root", "--config", str(bad), check=False)
    assert out.returncode == 1
    assert message in out.stderr.splitlines()[-1]


def test_uninstall_keeps_journal_recordings_and_config(tmp_path: Path) -> None:
    root = tmp_path / "root"
    install(root)
    state = root / "var/lib/courtroom"
    (state / "journal.sqlite").write_bytes(b"journal rows")
    (state / "recordings" / "case-1").mkdir()
    (state / "recordings" / "case-1" / "cam.mp4").write_bytes(b"pictures")
    out = install(root, "--uninstall")
    assert recorded(root)[0] == "systemctl disable --now courtroom.service"
    for gone in (
        "opt/courtroom",
        "etc/systemd/system/courtroom.service",
        "etc/udev/rules.d/99-courtroom.rules",
        "etc/mosquitto/conf.d/courtroom.conf",
        "etc/mosquitto/courtroom.passwd",
    ):
        assert not (root / gone).exists(), gone
    assert (state / "journal.sqlite").read_bytes() == b"journal rows"
    assert (state / "recordings/case-1/cam.mp4").read_bytes() == b"pictures"
    assert (state / "keys/signing-key.pem").exists()
    assert (root / "etc/courtroom/room.yaml").exists()
    assert "kept:" in out.stdout
    again = install(root)  # and a reinstall finds the kept key and users, and makes no new ones
    assert "   signing key" not in again.stdout and "   console user" not in again.stdout

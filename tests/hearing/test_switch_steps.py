"""A seat's shot can take more than a camera: its `switch` steps (a switcher or recorder input) follow it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.hearing.conftest import EXAMPLE, Court


@pytest.fixture
def room_source(tmp_path: Path) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for seat in data["seats"]:
        if seat["id"] == "plaintiff":
            seat["switch"] = [{"device": "disp-parties", "action": "input", "params": {"input": "hdmi2"}}]
    out = tmp_path / "room-source.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


async def test_the_plaintiffs_shot_also_switches_the_parties_display(court: Court) -> None:
    await court.hearing.execute("open", {"case_no": "SW-2"}, "clerk:wang")
    display = court.handle("disp-parties")
    await court.until(lambda: display.power and display.input_code.lower() == "90", 5, "the display on hdmi1")
    court.handle("mics").press(3)
    await court.until(lambda: display.input_code.lower() == "91", 3, "the display switched to hdmi2 with the shot")
    await court.until(lambda: "shot" in court.kinds(), 3, "the shot event")
    shot = next(e for e in court.events if e.event == "shot")
    assert shot.data["seat"] == "plaintiff" and shot.data["failed"] == []
    await court.hearing.execute("close", {}, "clerk:wang")

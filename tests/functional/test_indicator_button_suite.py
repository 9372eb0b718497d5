"""The indicator and button suites: every light and every button model profile against its simulator twin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drivers.devices.button import Button
from drivers.devices.indicator import Indicator
from drivers.errors import CourtroomError, InvalidArgument
from tests.functional.harness import refs, rig


@pytest.mark.parametrize("ref", refs("indicator"))
async def test_a_light_shows_what_it_is_told(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "indicator", ref) as r:
        light = r.device
        assert isinstance(light, Indicator)
        await light.execute("set", {"on": True})
        assert r.handle.on and light.snapshot()["on"] is True
        if "color" in light.info.capabilities and len(light.colors) > 1:
            other = light.colors[-1]
            await light.execute("set", {"on": True, "color": other})
            assert r.handle.color == other
            with pytest.raises(InvalidArgument, match="color"):
                await light.execute("set", {"on": True, "color": "ultraviolet"})
        await light.execute("set", {"on": False})
        assert not r.handle.on and light.snapshot()["on"] is False
        r.handle.unplug()
        with pytest.raises(CourtroomError):
            await light.poll()


@pytest.mark.parametrize("ref", refs("button"))
async def test_presses_become_events(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "button", ref) as r:
        button = r.device
        assert isinstance(button, Button)
        events: list[tuple[str, dict[str, Any]]] = []
        button.add_event_listener(lambda event, data: events.append((event, data)))
        r.handle.press()
        await r.until(lambda: ("pressed", {"presses": 1}) in events, 3, "pressed")
        r.handle.release()
        await r.until(lambda: any(e == "released" for e, _ in events), 3, "released")
        assert button.snapshot() == {"pressed": False, "presses": 1}
        r.handle.unplug()
        with pytest.raises(CourtroomError):
            await button.poll()

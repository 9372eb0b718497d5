"""A third-party PJLink class 2 client (aiopjlink2 1.2) drives the simulated class 2 projector unchanged.

The client opens one connection per command, logs in when asked, and speaks ``%2`` for the class 2 commands:
serial number, software version, input names, resolutions, lamp and filter facts, freeze, speaker volume.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiopjlink import PJClass, PJLink
from aiopjlink.projector import PJLinkERR3

from sim.endpoints import TcpEndpoint
from sim.pjlink import Projector
from sim.pjlink_class2 import Class2

INPUTS = {"computer": "11", "hdmi1": "31", "hdbaset": "3A"}


@pytest.fixture
async def projector() -> AsyncIterator[Projector]:
    facts = Class2.from_mapping(
        {"serial_number": "GP2X0001234", "software_version": "2.10", "filter_hours": 150, "lamp_models": ["LMP-2X1"]},
        INPUTS,
    )
    unit = Projector(
        TcpEndpoint(), inputs=INPUTS, password="court", warmup_s=0.05, cooldown_s=0.05, class2=facts, notify_port=0
    )
    unit.open()
    yield unit
    unit.close()


async def test_aiopjlink2_class2_session(projector: Projector) -> None:
    link = PJLink(address="127.0.0.1", port=projector.endpoint.port, password="court", timeout=3)
    assert await link.info.pjlink_class() == PJClass.TWO
    assert await link.info.serial_number() == "GP2X0001234"
    assert await link.info.software_version() == "2.10"
    assert await link.lamps.replacement_models() == ["LMP-2X1"]
    assert await link.filter.hours() == 150
    assert await link.filter.replacement_models() == []
    names = await link.sources.available_with_names()
    assert [(mode.value, index, name) for mode, index, name in names] == [
        ("1", "1", "COMPUTER"),
        ("3", "1", "HDMI1"),
        ("3", "A", "HDBASET"),
    ]
    assert tuple(await link.sources.recommended_resolution()) == (1920, 1200)
    with pytest.raises(PJLinkERR3):
        await link.freeze.set(True)  # nothing to freeze in standby
    await link.power.turn_on()
    while projector.power_state != "on":  # noqa: ASYNC110 - the simulated lamp has no event to wait on
        await asyncio.sleep(0.02)
    assert tuple(await link.sources.resolution()) == (1920, 1080)
    await link.freeze.set(True)
    assert await link.freeze.get() is True and projector.class2 is not None and projector.class2.frozen
    await link.speaker.turn_up()
    await link.sources.set(link.sources.Mode.DIGITAL, "A")
    assert projector.input_code == "3A"

"""A third-party Samsung MDC client (python-samsung-mdc 1.18) drives the simulated display unchanged, over
plain TCP 1515 and over secured MDC (TLS with the PIN), as it would drive a display."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from samsung_mdc import MDC
from samsung_mdc.exceptions import MDCTLSAuthFailed

from sim.endpoints import TcpEndpoint
from sim.samsung_mdc import MdcDisplay, MdcHandle, MdcLine

HDMI1, HDMI2 = 0x21, 0x23


@pytest.fixture
async def display() -> AsyncIterator[tuple[MdcLine, MdcHandle]]:
    line = MdcLine(TcpEndpoint(), reply_delay_ms=0)
    handle = line.add(MdcDisplay(1, [HDMI1, HDMI2]))
    line.open()
    yield line, handle
    line.close()


def target(line: MdcLine) -> str:
    endpoint = line.endpoint
    assert isinstance(endpoint, TcpEndpoint)
    return f"{endpoint.host}:{endpoint.port}"


async def test_plain_mdc(display: tuple[MdcLine, MdcHandle]) -> None:
    line, handle = display
    async with MDC(target(line), timeout=3) as mdc:
        await mdc.power(1, [MDC.power.POWER_STATE.ON])
        assert handle.power is True
        await mdc.input_source(1, [MDC.input_source.INPUT_SOURCE_STATE.HDMI2])
        assert handle.input_code == "23"
        await mdc.volume(1, [30])
        await mdc.mute(1, [MDC.mute.MUTE_STATE.ON])
        status = await mdc.status(1)
        assert status[0] == MDC.power.POWER_STATE.ON and status[1] == 30
        assert status[2] == MDC.mute.MUTE_STATE.ON and status[3] == MDC.input_source.INPUT_SOURCE_STATE.HDMI2


async def test_secured_mdc_with_the_pin(display: tuple[MdcLine, MdcHandle]) -> None:
    line, handle = display
    handle.set_tls(True)
    handle.set_pin("2468")
    async with MDC(target(line), timeout=3, pin="2468") as mdc:
        assert (await mdc.power(1))[0] == MDC.power.POWER_STATE.OFF
        await mdc.power(1, [MDC.power.POWER_STATE.ON])
        assert handle.power is True
    with pytest.raises(MDCTLSAuthFailed) as caught:
        async with MDC(target(line), timeout=3, pin="1111") as mdc:
            await mdc.power(1)
    assert caught.value.code == 1  # wrong PIN, as the client reads MDCAUTH<<FAIL:0001>>

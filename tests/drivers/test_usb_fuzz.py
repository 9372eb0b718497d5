"""Property tests for the USB control decoders: any byte string gives values or the typed DecodeError."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import DecodeError
from drivers.usb import uac, uvc
from drivers.usb.control import Control

CONTROLS = [
    uvc.ZOOM_ABSOLUTE,
    uvc.ZOOM_RELATIVE,
    uvc.PANTILT_ABSOLUTE,
    uvc.PANTILT_RELATIVE,
    uvc.REQUEST_ERROR_CODE,
    uac.MUTE,
    uac.VOLUME,
]


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.name)
@given(data=st.binary(max_size=16))
def test_random_replies_decode_or_raise_decode_error(control: Control, data: bytes) -> None:
    try:
        values = control.decode(data)
    except DecodeError as exc:
        assert control.name in str(exc) and len(data) != control.size
    else:
        assert len(data) == control.size and control.encode(*values) == data


@given(raw=st.integers(min_value=-0x8000, max_value=0x7FFF))
def test_every_volume_code_converts_and_back(raw: int) -> None:
    level = uac.raw_to_db(raw)
    if raw == -0x8000:  # the "-infinity" code: silence; a SET never sends it, the quietest it sends is -0x7FFF
        assert level == float("-inf") and uac.db_to_raw(level) == -0x7FFF
    else:
        assert uac.db_to_raw(level) == raw

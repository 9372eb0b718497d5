"""Every model profile in the repository is exercised: by its class's functional suite, or by name in a test."""

from __future__ import annotations

import pytest

from drivers.profiles import ProfileLibrary
from tests.conftest import REPO

SUITES = {  # device class -> the suite that runs every model of it against its simulator
    "camera": "test_camera_suite.py",
    "display": "test_display_suite.py",
    "recorder": "test_recorder_suite.py",
    "mic_system": "test_mic_suite.py",
    "audio_processor": "test_audio_suite.py",
    "indicator": "test_indicator_button_suite.py",
    "button": "test_indicator_button_suite.py",
}
LIBRARY = ProfileLibrary()
TEST_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").rglob("test_*.py"))


@pytest.mark.parametrize("ref", sorted(LIBRARY.models))
def test_the_profile_is_exercised(ref: str) -> None:
    kind = LIBRARY.models[ref].device_class
    suite = SUITES.get(kind)
    if suite is not None:
        assert (REPO / "tests" / "functional" / suite).is_file()
    else:  # audio and video inputs: their tests name the models they drive (they need ALSA and file setups)
        assert ref in TEST_TEXT, f"no test drives {ref} ({kind})"

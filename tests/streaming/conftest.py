"""The small recorded room (tests/recording) with a live stream to a real nginx-rtmp on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from controller.streaming.config import StreamingConfig
from controller.streaming.service import StreamService
from tests.recording.conftest import RecordingCourt, court, recorder_changes  # noqa: F401 - fixtures
from tests.streaming.rtmp import MISSING, Nginx


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    if MISSING:
        pytest.skip(MISSING)
    server = Nginx(tmp_path / "nginx")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stream_changes() -> dict[str, object]:
    """Changes to the streaming config (tests override this fixture)."""
    return {}


@pytest.fixture
async def stream(
    court: RecordingCourt,  # noqa: F811 - the fixture of tests/recording
    nginx: Nginx,
    stream_changes: dict[str, object],
) -> AsyncIterator[StreamService]:
    config = StreamingConfig.model_validate(
        {
            "recorder": "rec-soft",
            "url": nginx.url(),
            "width": 320,
            "height": 180,
            "gop_s": 0.5,
            "seats": {"witness": {"video": "video-witness"}},
            **stream_changes,
        }
    )
    service = StreamService(config, court.room, court.hearing, court.journal)
    try:
        yield service
    finally:
        await service.stop()

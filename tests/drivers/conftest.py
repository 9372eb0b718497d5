"""Fixtures for the driver tests: a scripted pty peer, profiles with short timeouts, executor clean-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers.profiles import Profile, ProfileLibrary, Timing
from tests.drivers.responder import PtyResponder

FAST = Timing(
    inter_frame_gap_ms=0,
    ack_timeout_ms=150,
    completion_timeout_ms=400,
    inquiry_timeout_ms=150,
    poll_interval_s=1,
)


@pytest.fixture(autouse=True)
async def default_executor_stops() -> AsyncIterator[None]:
    """pyserial-asyncio-fast opens and closes ports in the loop's default executor; stop its idle threads
    before the leftover guard counts threads (it runs after this fixture's teardown)."""
    yield
    await asyncio.get_running_loop().shutdown_default_executor()


@pytest.fixture(scope="session")
def library() -> ProfileLibrary:
    """The shipped firmware profiles."""
    return ProfileLibrary()


def fast(profile: Profile, **timing: float) -> Profile:
    """``profile`` with the short test timeouts (and any given overrides)."""
    proto = profile.protocol.model_copy(update={"timing": FAST.model_copy(update=timing)})
    return profile.model_copy(update={"protocol": proto})


@pytest.fixture
async def peer(tmp_path: Path) -> AsyncIterator[PtyResponder]:
    """A scripted chain of three cameras behind a pty reached through a symlink."""
    responder = PtyResponder(tmp_path / "ttyVISCA", cameras=3)
    yield responder
    responder.close()

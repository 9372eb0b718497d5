"""Fixtures shared by every test, above all the guard that fails a test which leaves things behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

REPO = Path(__file__).resolve().parent.parent


def _open_ptys() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target == "/dev/ptmx" or target.startswith("/dev/pts/"):
            found.add(f"{fd}->{target}")
    return found


def _children() -> set[int]:
    me = str(os.getpid())
    kids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[1] == me and fields[0] != "Z":
            kids.add(int(entry))
    return kids


@pytest.fixture(autouse=True)
async def no_leftovers(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Fail a test that leaves asyncio tasks, threads, ptys or child processes behind."""
    threads = set(threading.enumerate())
    ptys = _open_ptys()
    kids = _children()
    yield
    if request.node.get_closest_marker("allow_leftovers"):
        return
    me = asyncio.current_task()
    # The loop's own executor threads (to_thread, getaddrinfo) end with the loop: shut them down first.
    await asyncio.get_running_loop().shutdown_default_executor()
    problems: list[str] = []
    for _ in range(20):  # let cancelled tasks and closing threads finish their last step
        tasks = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
        extra_threads = [t for t in threading.enumerate() if t not in threads and t.is_alive()]
        if not tasks and not extra_threads and _open_ptys() <= ptys and _children() <= kids:
            return
        await asyncio.sleep(0.05)
    if tasks:
        problems.append("tasks: " + ", ".join(repr(t.get_coro()) for t in tasks))
        for t in tasks:
            t.cancel()
    if extra_threads:
        problems.append("threads: " + ", ".join(t.name for t in extra_threads))
    if leaked := _open_ptys() - ptys:
        problems.append("ptys: " + ", ".join(sorted(leaked)))
    if leaked_kids := _children() - kids:
        problems.append(f"child processes: {sorted(leaked_kids)}")
    pytest.fail("test left things behind: " + "; ".join(problems))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_leftovers(reason): the test hands its leftovers to a fixture")


# The browser of the console, fleet and replay tests: the distribution's chromium (make test installs it).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
CHROMIUM_ARGS += ["--no-first-run", "--disable-sync"]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test installs it)")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()

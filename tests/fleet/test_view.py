"""The fleet view in a real browser (Debian's chromium through Playwright): three simulated rooms on a private
mosquitto standing in for the central cluster (the cluster itself is tested in test_cluster.py), the view's MQTT
side, model and page in this process, users of both roles."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import aiomqtt
import pytest
from playwright.async_api import Browser, expect

from controller.fleet.loadgen import LoadRoom, publish, room_client, serve_rooms
from controller.fleet.model import FleetModel
from controller.fleet.service import CentralBroker, FleetService
from controller.fleet.users import FleetAuth, add_fleet_user
from controller.fleet.web import FleetWeb
from controller.localbroker import LocalBroker

USERS = {"tech1": ("technician", "tech-password-1"), "view1": ("viewer", "view-password-1")}
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@dataclass
class FleetRig:
    broker: LocalBroker
    web: FleetWeb
    model: FleetModel
    rooms: list[LoadRoom]
    client: aiomqtt.Client

    @property
    def url(self) -> str:
        assert self.web.url is not None
        return self.web.url


@pytest.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[FleetRig]:
    broker = LocalBroker(tmp_path / "central")
    await asyncio.to_thread(broker.start)
    users = tmp_path / "fleet-users.yaml"
    for name, (role, password) in USERS.items():
        add_fleet_user(users, name, role, password)
    rooms = [
        LoadRoom("b2-cr104", devices=30, name="第四审判庭"),
        LoadRoom("b2-cr105", devices=30),
        LoadRoom("b3-cr201", devices=30),
    ]
    rooms[1].phase = "in_session"
    model = FleetModel(stale_after_s=600)
    service = FleetService(model, CentralBroker([("127.0.0.1", broker.port)]))
    web = FleetWeb(model, service, FleetAuth(users))
    tasks: list[asyncio.Task[None]] = []
    try:
        async with room_client("127.0.0.1", broker.port, None, identifier="rooms") as client:
            tasks.append(asyncio.create_task(serve_rooms(client, rooms, change_every_s=3600, event_every_s=3600)))
            tasks.append(asyncio.create_task(service.run()))
            await web.start("127.0.0.1", 0)
            await asyncio.wait_for(service.connected.wait(), 10)
            for _ in range(200):
                if len(model.rooms) == 3 and all(r.device_count == 30 for r in model.rooms.values()):
                    break
                await asyncio.sleep(0.05)
            yield FleetRig(broker, web, model, rooms, client)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await web.stop()
        await asyncio.to_thread(broker.stop)


async def test_tiles_grey_room_and_republish_in_chromium(fleet: FleetRig, browser: Browser) -> None:
    context = await browser.new_context(
        http_credentials={"username": "tech1", "password": USERS["tech1"][1]}, viewport={"width": 1280, "height": 800}
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await page.goto(fleet.url)
        tiles = page.locator(".tile[data-room]")
        await expect(tiles).to_have_count(3)
        first = page.locator('.tile[data-room="b2-cr104"]')
        await expect(first).to_contain_text("第四审判庭")
        await expect(first).to_contain_text("All 30 devices online")
        await expect(first).to_have_attribute("data-level", "ok")
        busy = page.locator('.tile[data-room="b2-cr105"]')
        await expect(busy).to_contain_text("开庭 In session")
        await expect(busy).to_contain_text("Recording")
        await expect(page.locator("#user")).to_contain_text("tech1 (技术员 technician)")

        # b3-cr201 stops reporting: its bridge's will on the central broker says the WAN link is gone
        await fleet.client.publish("courtroom/v1/b3-cr201/$bridge/connection", b"0", qos=1, retain=True)
        silent = page.locator('.tile[data-room="b3-cr201"]')
        await expect(silent).to_have_attribute("data-level", "stale")
        await expect(silent).to_contain_text(re.compile(r"Last seen \d\d:\d\d:\d\d"))
        assert await silent.evaluate("e => getComputedStyle(e).filter") == "grayscale(1)"
        await expect(silent).to_contain_text(re.compile(r"WAN down since \d\d:\d\d:\d\d \(\d+ s\)"))
        await expect(first).to_contain_text("WAN link unknown")  # no bridge notice from it: unknown, not down
        # b2-cr104 loses a camera: a warning, with its name on the tile
        room = fleet.rooms[0]
        room.offline.add("cam-01")
        await publish(fleet.client, [room.availability("cam-01"), room.controller_state()])
        await expect(first).to_have_attribute("data-level", "warning")
        await expect(first).to_contain_text("Offline (1/30): cam-01")
        SCREENSHOTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "fleet.png"))

        # the technician asks b2-cr104 to republish: the request reaches the room under the view's account
        async with aiomqtt.Client("127.0.0.1", fleet.broker.port, identifier="room-side") as watcher:
            await watcher.subscribe("courtroom/v1/b2-cr104/$ctl/request/#", qos=1)
            await first.get_by_role("button", name=re.compile("Republish")).click()
            async with asyncio.timeout(10):
                message = await anext(aiter(watcher.messages))
        assert message.topic.value == "courtroom/v1/b2-cr104/$ctl/request/republish"
        request = json.loads(message.payload if isinstance(message.payload, bytes) else b"{}")
        assert request["actor"] == "fleet:tech1" and request["id"].startswith("fleet-")
        await expect(page.locator(".toast")).to_contain_text("republish requested")
        assert errors == []
    finally:
        await context.close()


async def test_a_viewer_sees_but_may_not_republish(fleet: FleetRig, browser: Browser) -> None:
    context = await browser.new_context(http_credentials={"username": "view1", "password": USERS["view1"][1]})
    page = await context.new_page()
    try:
        await page.goto(fleet.url)
        await expect(page.locator(".tile[data-room]")).to_have_count(3)
        await expect(page.locator("#user")).to_contain_text("view1 (查看 viewer)")
        await expect(page.get_by_role("button", name=re.compile("Republish"))).to_have_count(0)
    finally:
        await context.close()
    viewer = aiohttp.ClientSession(headers=basic("view1", USERS["view1"][1]))
    async with viewer as http, http.post(fleet.url + "api/rooms/b2-cr104/republish", json={}) as response:
        assert response.status == 403
        assert "technicians only" in (await response.json())["error"]["message"]
    async with aiohttp.ClientSession(headers=basic("tech1", USERS["tech1"][1])) as http:
        async with http.post(fleet.url + "api/rooms/b9-nowhere/republish", json={}) as response:
            assert response.status == 404
        async with http.post(fleet.url + "api/rooms/b2-cr104/republish", data="id=1") as response:
            assert response.status == 415  # not JSON: a cross-site form post
    wrong = aiohttp.ClientSession(headers=basic("tech1", "wrong-password"))
    async with wrong as http, http.get(fleet.url + "api/fleet") as response:
        assert response.status == 401 and "Basic" in response.headers["WWW-Authenticate"]


async def test_fleet_status_in_a_terminal(fleet: FleetRig) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "controller.cli",
        "fleet",
        "--broker",
        f"127.0.0.1:{fleet.broker.port}",
        "status",
        "--wait",
        "1",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert [line.split()[0] for line in lines[1:4]] == ["b2-cr104", "b2-cr105", "b3-cr201"]
    assert lines[2].split()[1:4] == ["ok", "in_session", "recording"]
    assert lines[-1] == "3 rooms, 0 not reporting"

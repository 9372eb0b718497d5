"""The fleet view beside the demo: on a broker set up as deploy/ sets one up (passwords, the room ACL), the two
simulated rooms log in as themselves and the view as the platform account, and a technician's republish passes
the ACL."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import aiohttp

from controller.fleet.demo import EXTRA_ROOMS, fleet_for_demo, mqtt_users
from controller.localbroker import LocalBroker

PASSWORD = "demo-password"


async def test_the_demo_fleet_on_an_acl_broker(tmp_path: Path) -> None:
    broker = LocalBroker(tmp_path / "broker", users={"console": PASSWORD, **mqtt_users(PASSWORD)})
    await asyncio.to_thread(broker.start)
    try:
        async with fleet_for_demo(tmp_path, broker.port, "console", PASSWORD, extra_rooms=True) as url:
            auth = {"Authorization": "Basic " + base64.b64encode(f"technician:{PASSWORD}".encode()).decode()}
            async with aiohttp.ClientSession(headers=auth) as http:
                deadline = time.monotonic() + 20
                while True:
                    async with http.get(url + "api/fleet") as response:
                        fleet = await response.json()
                    rooms = {r["room_id"]: r for r in fleet["rooms"]}
                    if set(rooms) == set(EXTRA_ROOMS) and all(r["devices"] == 30 for r in rooms.values()):
                        break
                    assert time.monotonic() < deadline, fleet
                    await asyncio.sleep(0.1)
                assert rooms["b2-cr105"]["name"] == EXTRA_ROOMS["b2-cr105"]
                assert fleet["role"] == "technician"
                seen = rooms["b2-cr105"]["last_seen_ms"]
                async with http.post(url + "api/rooms/b2-cr105/republish", json={}) as response:
                    assert response.status == 200, await response.text()
                while True:  # the simulated room answered: its retained set came again
                    async with http.get(url + "api/fleet") as response:
                        again = {r["room_id"]: r for r in (await response.json())["rooms"]}
                    if again["b2-cr105"]["last_seen_ms"] > seen:
                        break
                    assert time.monotonic() < deadline + 10, again
                    await asyncio.sleep(0.1)
    finally:
        await asyncio.to_thread(broker.stop)

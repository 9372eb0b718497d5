"""The fleet view beside `courtroom demo`: the demo's broker plays the central one, the demo room is one tile,
and with ``extra_rooms`` two simulated rooms (``controller.fleet.loadgen``) are two more.

Each simulated room logs in as its room id, as a room daemon does (the ACL's ``pattern readwrite
courtroom/v1/%u/#``): the demo's broker needs them as users (``mqtt_users``). The view logs in as the platform
account the demo already has (it reads every room and sends requests under its own name).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from controller.eventloop import cancel_and_wait
from controller.fleet.loadgen import LoadRoom, room_client, serve_rooms
from controller.fleet.model import FleetModel
from controller.fleet.service import CentralBroker, FleetService
from controller.fleet.users import FleetAuth, add_fleet_user
from controller.fleet.web import FleetWeb

EXTRA_ROOMS = {"b2-cr105": "第五审判庭 Courtroom 105 (simulated)", "b3-cr201": "第一审判庭 Courtroom 201 (simulated)"}


def mqtt_users(password: str) -> dict[str, str]:
    """The broker accounts of the simulated rooms."""
    return dict.fromkeys(EXTRA_ROOMS, password)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def fleet_for_demo(
    workdir: Path, broker_port: int, username: str, password: str, extra_rooms: bool = False
) -> AsyncIterator[str]:
    """Run the fleet view (users ``viewer`` and ``technician``, with ``password``) and, with ``extra_rooms``, the
    simulated rooms; yields the page's address (credentials in it are not used: the browser asks)."""
    users = workdir / "fleet-users.yaml"
    for role in ("viewer", "technician"):
        add_fleet_user(users, role, role, password)
    model = FleetModel(stale_after_s=120)
    service = FleetService(model, CentralBroker([("127.0.0.1", broker_port)], username, password))
    web = FleetWeb(model, service, FleetAuth(users))
    tasks = [asyncio.create_task(service.run(), name="fleet-view")]
    try:
        async with contextlib.AsyncExitStack() as stack:
            if extra_rooms:
                for room_id, name in EXTRA_ROOMS.items():
                    room = LoadRoom(room_id, devices=30, name=name)
                    client = await stack.enter_async_context(
                        room_client("127.0.0.1", broker_port, room, username=room_id, password=password)
                    )
                    tasks.append(asyncio.create_task(serve_rooms(client, [room]), name=f"fleet-sim-{room_id}"))
            await web.start("127.0.0.1", _free_port())
            assert web.url is not None
            try:
                yield web.url
            finally:
                await cancel_and_wait(tasks)
    finally:
        await web.stop()

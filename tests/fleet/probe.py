"""What a room's daemon thinks of its link to the central cluster, asked over its room broker."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import aiomqtt


async def central_link(
    port: int, room: str, username: str | None, password: str | None, *, want: str, timeout: float = 10.0
) -> dict[str, Any]:
    """The daemon's ``mqtt.central_link`` from ``$ctl/request/diagnostics``, asked until its state is ``want``."""
    root = f"courtroom/v1/{room}"
    deadline = time.monotonic() + timeout
    last: dict[str, Any] | None = None
    async with aiomqtt.Client(
        "127.0.0.1", port, username=username, password=password, identifier=f"probe-{uuid.uuid4().hex[:8]}"
    ) as client:
        await client.subscribe(f"{root}/$ctl/reply/diagnostics", qos=1)
        while time.monotonic() < deadline:
            request_id = uuid.uuid4().hex
            await client.publish(f"{root}/$ctl/request/diagnostics", json.dumps({"id": request_id}).encode(), qos=1)
            try:
                async with asyncio.timeout(max(0.1, deadline - time.monotonic())):
                    async for message in client.messages:
                        reply = json.loads(message.payload if isinstance(message.payload, bytes) else b"{}")
                        if reply.get("id") == request_id:
                            last = reply["data"]["mqtt"]["central_link"]
                            break
            except TimeoutError:
                break
            assert last is not None
            if last["state"] == want:
                return last
            await asyncio.sleep(0.05)
    raise AssertionError(f"room {room}: the daemon's central link never became {want} (last: {last})")

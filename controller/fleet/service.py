"""The fleet view's MQTT side: one subscription to ``courtroom/v1/+/#`` on the central cluster, kept into the
model; reconnects over the cluster's addresses in turn; sends a room ``$ctl/request/republish`` for a
technician."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiomqtt

from controller.fleet.model import FleetModel, now_ms
from controller.mqtt import NO_DELAY
from controller.mqtt.contract import TOPIC_PREFIX
from drivers.errors import ConfigError, CourtroomError

log = logging.getLogger(__name__)

SUBSCRIPTION = f"{TOPIC_PREFIX}/+/#"


@dataclass
class CentralBroker:
    """Where the fleet view connects: the cluster's nodes (tried in turn) and its account there."""

    addresses: list[tuple[str, int]]
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, text: str, username: str | None = None, password_file: Path | None = None) -> CentralBroker:
        addresses = []
        for item in text.split(","):
            host, _, port = item.strip().rpartition(":")
            if not host or not port.isdigit():
                raise ConfigError(f"--broker '{item}': expected HOST:PORT[,HOST:PORT...]")
            addresses.append((host, int(port)))
        password = None
        if password_file is not None:
            try:
                password = password_file.read_text().strip()
            except OSError as exc:
                raise ConfigError(f"--password-file {password_file}: {exc.strerror}") from None
        return cls(addresses, username, password)


class FleetService:
    """Keeps ``model`` up to date until cancelled."""

    def __init__(self, model: FleetModel, broker: CentralBroker, client_id: str | None = None) -> None:
        self.model = model
        self.broker = broker
        self.client_id = client_id or f"courtroom-fleet-{uuid.uuid4().hex[:8]}"
        self.connected = asyncio.Event()
        self.connected_to: str | None = None
        self._client: aiomqtt.Client | None = None

    async def run(self) -> None:
        delay = 0.5
        for host, port in itertools.cycle(self.broker.addresses):
            client = aiomqtt.Client(
                host,
                port,
                username=self.broker.username,
                password=self.broker.password,
                identifier=self.client_id,
                clean_session=True,  # the retained set comes again on every subscribe
                keepalive=15,
                timeout=10,
                socket_options=NO_DELAY,
                max_queued_incoming_messages=0,
            )
            try:
                async with client:
                    self._client = client
                    # QoS 0: the view re-reads the retained set on every connect, and a QoS 1 subscription on a
                    # NATS cluster needs a JetStream consumer (see controller/fleet/bridge.py)
                    await client.subscribe(SUBSCRIPTION, qos=0)
                    self.connected_to = f"{host}:{port}"
                    self.connected.set()
                    delay = 0.5
                    log.info("fleet: connected to %s:%d", host, port)
                    apply = self.model.apply
                    async for message in client.messages:
                        payload = message.payload
                        apply(message.topic.value, payload if isinstance(payload, bytes) else str(payload).encode())
            except aiomqtt.MqttError as exc:
                log.warning("fleet: %s:%d: %s; trying the next node in %.1f s", host, port, exc, delay)
            finally:
                self._client = None
                self.connected.clear()
                self.connected_to = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def republish(self, room_id: str, actor: str) -> str:
        """Ask a room to publish its whole retained set again; returns the request id."""
        client = self._client
        if client is None:
            raise CourtroomError("the central broker is not connected")
        request_id = f"fleet-{uuid.uuid4().hex[:12]}"
        topic = f"{TOPIC_PREFIX}/{room_id}/$ctl/request/republish"
        if self.broker.username:
            topic += f"/{self.broker.username}"
        payload = f'{{"id": "{request_id}", "ts": {now_ms()}, "actor": {json.dumps(actor, ensure_ascii=False)}}}'
        await client.publish(topic, payload.encode(), qos=1)
        return request_id

"""The bridge's outbound messages: handed to the MQTT client at once, in call order, at most ``window`` of them
awaiting their PUBACK.

A message is given to paho the moment it is sent when nothing waits before it and the window has room, so a
reply is on the wire one loop turn after the command's result (the bridge's write hook), with no task, event,
semaphore or pending-call scan per message: under a flood of a thousand commands a second the client's own
``publish()`` spent more than the commands did. Beyond the window, messages wait here in order and go out as
PUBACKs come back; paho itself then never has to queue (its queue is scanned on every PUBACK).

The PUBACK is learnt through the client's own bookkeeping: ``aiomqtt`` calls ``set()`` on what its
``_pending_publishes`` holds for the message id when the PUBACK arrives.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiomqtt
from paho.mqtt.client import MQTT_ERR_SUCCESS
from paho.mqtt.properties import Properties

log = logging.getLogger(__name__)


@dataclass
class Outbound:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: Properties | None = None


def write_now(client: aiomqtt.Client) -> None:
    """Write what the client has queued, as far as the socket takes it (the rest when it is writable, through
    the client's own writer); a broken connection ends the client's connection loop, as its writer does."""
    paho: Any = client._client
    try:
        paho.loop_write()
    except Exception as exc:
        if not client._disconnected.done():
            client._disconnected.set_exception(exc)
        return
    if paho.want_write():
        writer = client._on_socket_register_write
        sock = paho.socket()
        if sock is not None:
            writer(paho, paho.user_data_get(), sock)


def write_soon(client: aiomqtt.Client) -> None:
    """Hand what the MQTT client queues to its socket on the next loop turn. The client's own way (it may be
    called from its connect thread) is ``call_soon_threadsafe(add_writer)``: a wake-up write, two ``epoll_ctl``
    and two loop turns before every reply, PUBACK and state message is on the wire. From the event loop's own
    thread the queue is written by a plain ``call_soon``; only a socket that takes part of it (a full buffer)
    waits for writability, as before."""
    paho = client._client
    original = paho.on_socket_register_write
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()

    def write(write_client: Any, _userdata: Any, sock: Any) -> None:
        if threading.get_ident() != loop_thread or original is None:
            if original is not None:
                original(write_client, _userdata, sock)
            return
        loop.call_soon(write_now, client)

    paho.on_socket_register_write = write


class _Acked:
    """Stands in the client's pending publishes for one message: its ``set()`` is the PUBACK."""

    __slots__ = ("client", "outbox")

    def __init__(self, outbox: Outbox, client: aiomqtt.Client) -> None:
        self.outbox = outbox
        self.client = client

    def set(self) -> None:
        self.outbox._acked(self.client)


class Outbox:
    """Messages of one connection at a time, in call order; nothing is kept while there is none."""

    def __init__(self, window: int) -> None:
        self.window = window
        self._client: aiomqtt.Client | None = None
        self._waiting: deque[Outbound] = deque()
        self._unacked = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        """Messages not yet acknowledged: awaiting their PUBACK or waiting for the window."""
        return self._unacked + len(self._waiting)

    def attach(self, client: aiomqtt.Client | None) -> None:
        """Publish through ``client`` from now on (None: the connection is gone, what was not sent is dropped:
        the next connect publishes the retained set again)."""
        self._client = client
        self._waiting.clear()
        self._unacked = 0
        self._idle.set()

    def send(self, item: Outbound, *, now: bool = False) -> None:
        """Publish in call order; with ``now`` (a reply, from a handler's task, never from inside one of the
        client's callbacks) write the client's queue to the socket at once instead of on the next loop turn."""
        client = self._client
        if client is None:
            return
        if self._waiting or (item.qos and self._unacked >= self.window):
            self._waiting.append(item)
            self._idle.clear()
            return
        self._publish(client, item)
        if now:
            write_now(client)

    async def drain(self) -> None:
        """Until every message sent so far is acknowledged (or the connection is gone)."""
        await self._idle.wait()

    def _publish(self, client: aiomqtt.Client, item: Outbound) -> None:
        paho: Any = client._client
        try:
            info = paho.publish(item.topic, item.payload, item.qos, item.retain, item.properties)
        except (ValueError, RuntimeError) as exc:  # a topic or payload paho refuses: this message only
            log.warning("MQTT: cannot publish to %.200s: %s", item.topic, exc)
            return
        if info.rc != MQTT_ERR_SUCCESS:  # not connected: the connection loop republishes after the reconnect
            log.debug("MQTT: publish to %s failed: rc %s", item.topic, info.rc)
            return
        if item.qos:
            self._unacked += 1
            self._idle.clear()
            client._pending_publishes[info.mid] = _Acked(self, client)  # type: ignore[assignment]

    def _acked(self, client: aiomqtt.Client) -> None:
        if client is not self._client:
            return  # a PUBACK of a connection that has ended
        self._unacked -= 1
        while self._waiting and (not self._waiting[0].qos or self._unacked < self.window):
            self._publish(client, self._waiting.popleft())
        if not self._waiting and not self._unacked:
            self._idle.set()

"""The MQTT side of the daemon: the contract (topics and payloads) and the bridge that serves it."""

from __future__ import annotations

import socket

# paho leaves Nagle's algorithm on; a small publish then waits for the peer's delayed ACK (about 40-90 ms on
# loopback). Every client of the project turns it off.
NO_DELAY: list[tuple[int, int, int]] = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]

"""The central cluster of the fleet tests: three nats-server nodes with JetStream and the MQTT listener on free
loopback ports; room brokers (mosquitto) bridged to it through a WAN the test can cut."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import aiomqtt

from controller.fleet.bridge import BridgeSettings, bridge_config
from controller.localbroker import LocalBroker, free_port


class NatsCluster:
    """``nodes`` nats-server processes routed to each other; ``mqtt_ports[i]`` is node i's MQTT listener."""

    def __init__(self, workdir: Path, nodes: int = 3, replicas: int = 3) -> None:
        self.workdir = workdir
        self.nodes = nodes
        self.replicas = replicas
        self.procs: list[subprocess.Popen[bytes] | None] = []
        self.mqtt_ports = [free_port() for _ in range(nodes)]
        self.client_ports = [free_port() for _ in range(nodes)]
        self.route_ports = [free_port() for _ in range(nodes)]

    @staticmethod
    def available() -> str | None:
        return shutil.which("nats-server") or (
            "/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else None
        )

    def _config(self, i: int) -> Path:
        routes = ", ".join(f"nats-route://127.0.0.1:{p}" for j, p in enumerate(self.route_ports) if j != i)
        store = self.workdir / f"js{i}"
        text = f"""
server_name: n{i}
listen: 127.0.0.1:{self.client_ports[i]}
jetstream {{ store_dir: "{store}", max_memory_store: 64MB, max_file_store: 512MB }}
cluster {{ name: central, listen: 127.0.0.1:{self.route_ports[i]}, routes: [{routes}] }}
mqtt {{ listen: 127.0.0.1:{self.mqtt_ports[i]}, stream_replicas: {self.replicas}, consumer_replicas: {self.replicas} }}
"""
        path = self.workdir / f"n{i}.conf"
        path.write_text(text)
        return path

    def start(self) -> None:
        exe = self.available()
        assert exe is not None
        self.workdir.mkdir(parents=True, exist_ok=True)
        for i in range(self.nodes):
            log = (self.workdir / f"n{i}.log").open("ab")
            self.procs.append(
                subprocess.Popen([exe, "-c", str(self._config(i))], stdout=log, stderr=log, start_new_session=True)
            )
            log.close()

    def kill(self, i: int) -> None:
        proc = self.procs[i]
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        self.procs[i] = None

    def stop(self) -> None:
        for i, proc in enumerate(self.procs):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            self.procs[i] = None

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.workdir.glob("n*.log")))

    async def ready(self, timeout: float = 30.0) -> None:
        """Every node takes an MQTT session and a retained message (JetStream has a leader)."""
        deadline = time.monotonic() + timeout
        for i, port in enumerate(self.mqtt_ports):
            while True:
                try:
                    async with aiomqtt.Client("127.0.0.1", port, identifier=f"probe-{i}", timeout=5) as client:
                        await client.publish(f"probe/n{i}", b"1", qos=1)
                        break
                except aiomqtt.MqttError:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"NATS node {i} never took MQTT:\n{self.logs()}") from None
                    await asyncio.sleep(0.3)


class WanLink:
    """A TCP forwarder per central node: the room's WAN. ``cut()`` drops every connection and refuses new ones
    (as a router that lost its uplink and resets), ``restore()`` lets them through again. ``node_down(i)``
    makes node i's address refuse connections, as a dead host's does: a forwarder that accepted and then closed
    would tell mosquitto's bridge (which probes its primary every few seconds while on another node) that the
    primary is back, and the bridge would leave the live node for it again and again."""

    def __init__(self, targets: list[int]) -> None:
        self.targets = targets
        self.ports: list[int] = []
        self.up = True
        self._servers: list[asyncio.Server] = []
        self._conns: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        for target in self.targets:
            server = await asyncio.start_server(lambda r, w, t=target: self._accept(r, w, t), "127.0.0.1", 0)
            self._servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: int) -> None:
        task = asyncio.create_task(self._forward(reader, writer, target))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: int) -> None:
        if not self.up:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            writer.close()
            return
        self._conns |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self._conns -= {writer, up_writer}
            writer.close()
            up_writer.close()

    def node_down(self, i: int) -> None:
        self._servers[i].close()  # the port stops listening: connections are refused

    def cut(self) -> None:
        self.up = False
        for writer in list(self._conns):
            with contextlib.suppress(OSError):
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            writer.close()

    def restore(self) -> None:
        self.up = True

    async def stop(self) -> None:
        self.cut()
        for server in self._servers:
            server.close()
        for server in self._servers:
            await server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class RoomBroker(LocalBroker):
    """A room's local mosquitto with its bridge to the central cluster (the config deploy/ would install)."""

    def __init__(self, workdir: Path, name: str, central_ports: list[int], users: dict[str, str] | None = None):
        super().__init__(workdir, users)
        self.bridge = bridge_config(
            BridgeSettings(name, [f"127.0.0.1:{p}" for p in central_ports], restart_timeout=(1, 2), keepalive_s=5)
        )

    def _write_config(self) -> Path:
        conf = super()._write_config()
        text = conf.read_text().replace("persistence false", f"persistence true\npersistence_location {self.workdir}/")
        conf.write_text(text + self.bridge)
        return conf

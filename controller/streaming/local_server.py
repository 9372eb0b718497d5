"""A local RTMP server for the demo, the benchmark and the tests: nginx with Debian's RTMP module, run as the
current user in the foreground from a folder of its own (``-p``), listening on a loopback port only."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from pathlib import Path

from drivers.errors import ConfigError

RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
CONF = """
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
load_module {module};
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        chunk_size 4096;
        application live {{ live on; record off; }}
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None)


def missing() -> str | None:
    """Why no local RTMP server can run here (None: it can)."""
    if nginx_binary() is None or not RTMP_MODULE.is_file():
        return "nginx with the RTMP module is not installed (make installs nginx and libnginx-mod-rtmp)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalRtmpServer:
    """``await start()``, publish and play ``url(key)``, ``await stop()``."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.proc: asyncio.subprocess.Process | None = None

    def url(self, key: str = "court") -> str:
        return f"rtmp://127.0.0.1:{self.port}/live/{key}"

    async def start(self, timeout_s: float = 10.0) -> None:
        binary = nginx_binary()
        why = missing()
        if binary is None or why is not None:
            raise ConfigError(why or "nginx not found")
        conf = self.folder / "nginx.conf"
        await asyncio.to_thread(self._write_conf, conf)
        log = self.folder / "error.log"
        self.proc = await asyncio.create_subprocess_exec(
            binary, "-p", str(self.folder), "-c", str(conf), "-e", str(log),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            if self.proc.returncode is not None:
                text = log.read_text(errors="replace") if log.exists() else ""
                raise ConfigError(f"nginx exited at start: {text.strip().splitlines()[-1:] or 'no log'}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return
        await self.stop()
        raise ConfigError(f"nginx did not listen on 127.0.0.1:{self.port} within {timeout_s:g} s")

    def _write_conf(self, conf: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        conf.write_text(CONF.format(dir=self.folder, module=RTMP_MODULE, port=self.port))

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            proc.kill()
            await proc.wait()

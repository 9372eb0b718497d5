"""A real RTMP server for the tests (nginx with Debian's RTMP module, on loopback, as the current user, in a
temp folder) and a reader that decodes what it relays, frame by frame with arrival times."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from drivers.recording.stream import SLATE_BGR

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
MISSING = None if Path(NGINX).is_file() and RTMP_MODULE.is_file() else (
    "nginx with the RTMP module is not installed (make installs nginx and libnginx-mod-rtmp)"
)
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Nginx:
    """``nginx -p DIR -c DIR/nginx.conf`` in the foreground; ``url(key)`` is where to publish and play."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, key: str = "court") -> str:
        return f"rtmp://127.0.0.1:{self.port}/live/{key}"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        conf = self.folder / "nginx.conf"
        conf.write_text(CONF.format(dir=self.folder, module=RTMP_MODULE, port=self.port))
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(conf), "-e", str(self.folder / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"nginx exited: {err} {(self.folder / 'error.log').read_text()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("nginx did not listen within 10 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()


def is_slate(frame: np.ndarray) -> bool:
    """The slate's dark blue in the picture's corners (the overlay and the text are elsewhere)."""
    h, w = frame.shape[:2]
    corners = [frame[h - 8 : h - 2, 2:8], frame[h - 8 : h - 2, w - 8 : w - 2]]
    return all(np.abs(c.reshape(-1, 3).mean(axis=0) - np.array(SLATE_BGR)).max() < 20 for c in corners)


@dataclass
class Seen:
    at: float  # monotonic
    slate: bool
    frame: np.ndarray


@dataclass
class Reader:
    """Plays ``url`` in a thread, keeping each decoded picture (BGR) with its arrival time."""

    url: str
    frames: list[Seen] = field(default_factory=list)
    error: str | None = None
    audio_frames: int = 0
    ended: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rtmp-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            options = {"rtmp_live": "live", "fflags": "nobuffer", "rw_timeout": "20000000"}
            with av.open(self.url, options=options, timeout=20) as container:
                for packet in container.demux():
                    if self._stop.is_set():
                        break
                    for frame in packet.decode():
                        if isinstance(frame, av.VideoFrame):
                            bgr = frame.to_ndarray(format="bgr24")
                            self.frames.append(Seen(time.monotonic(), is_slate(bgr), bgr))
                        else:
                            self.audio_frames += 1
        except Exception as exc:
            self.error = str(exc)
        self.ended = True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(25)

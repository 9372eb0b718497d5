"""Which pyusb backend the USB drivers use: libusb by default, or one injected (the simulator's, in tests).

In the same process: ``set_backend(b)`` before the devices connect (``set_backend(None)`` restores libusb).
From outside: the ``COURTROOM_USB_BACKEND`` environment variable names ``module:attribute``, an IBackend or a
callable returning one, imported when a device first connects (e.g. ``sim.usb.backend:BUS`` when the simulated room
runs in the daemon's process). Nothing here imports the simulator.
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import Any

from drivers.errors import ConfigError, TransportLost

ENV_VAR = "COURTROOM_USB_BACKEND"

_lock = threading.Lock()
_injected: Any = None
_default: Any = None


def set_backend(backend: Any) -> None:
    """Use ``backend`` (a ``usb.backend.IBackend``) for every USB device from now on; None: the default."""
    global _injected  # noqa: PLW0603 - one backend per process, as one USB bus per machine
    with _lock:
        _injected = backend


def load_backend(spec: str) -> Any:
    """The backend ``module:attribute`` names (an IBackend, or a callable returning one)."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(f"{ENV_VAR}: '{spec}' is not module:attribute")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{ENV_VAR}: cannot load '{spec}': {exc}") from exc
    return target() if callable(target) and not hasattr(target, "enumerate_devices") else target


def get_backend() -> Any:
    """The injected backend, else the one ``COURTROOM_USB_BACKEND`` names, else libusb; blocking, so call it
    from a worker thread. Raises TransportLost when no libusb can be loaded."""
    global _default  # noqa: PLW0603
    with _lock:
        if _injected is not None:
            return _injected
        if _default is None:
            spec = os.environ.get(ENV_VAR)
            _default = load_backend(spec) if spec else _libusb()
        return _default


def _libusb() -> Any:
    backend: Any = None
    try:
        import libusb_package  # type: ignore[import-not-found, unused-ignore]

        backend = libusb_package.get_libusb1_backend()
    except ImportError:
        pass
    if backend is None:
        import usb.backend.libusb1  # type: ignore[import-untyped, unused-ignore]

        backend = usb.backend.libusb1.get_backend()
    if backend is None:
        raise TransportLost("no libusb found: install libusb-1.0 or the libusb-package wheel")
    return backend

"""Every protocol family the project ships, registered with the DeviceFactory in one place.

A family module registers itself through ``DeviceFactory.register``; it imports the factory, so the factory
cannot import it: callers that build devices call ``register_all()`` first (it is idempotent).
"""

from __future__ import annotations

from drivers.pelco.register import register as register_pelco
from drivers.visca_ip.register import register as register_visca_ip


def register_all() -> None:
    """Register every family beside serial VISCA (which the factory knows itself)."""
    register_pelco()
    register_visca_ip()

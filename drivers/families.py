"""Every protocol family the project ships, registered with the DeviceFactory in one place.

A family module registers itself through ``DeviceFactory.register``; it imports the factory, so the factory
cannot import it: callers that build devices call ``register_all()`` first (it is idempotent).
"""

from __future__ import annotations

import importlib

FAMILY_PACKAGES = (
    "pelco",
    "visca_ip",
    "samsung_mdc",
    "lg",
    "pjlink",
    "sony9pin",
    "hyperdeck",
    "tesira",
    "dcs6000",
    "dis_ccu",
    "usb",
    "signals",
    "recording",
)
"""Packages under drivers/ whose ``register`` module teaches the factory their families."""

_registered = False


def register_all() -> None:
    """Register every family beside serial VISCA (which the factory knows itself); idempotent."""
    global _registered  # noqa: PLW0603 - one registration per process
    if _registered:
        return
    for package in FAMILY_PACKAGES:
        module_name = f"drivers.{package}.register"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (f"drivers.{package}", module_name):
                continue  # a family still being written; the profile loader names it when a model needs it
            raise
        module.register()
    _registered = True

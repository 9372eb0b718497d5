"""Errors raised by the simulator: one base class so callers can catch them all."""

from __future__ import annotations


class SimError(Exception):
    """Base class of every error the simulator raises on purpose."""


class SimConfigError(SimError, ValueError):
    """A room config or a firmware profile the simulator cannot use; the message names file, key and reason."""

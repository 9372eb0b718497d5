"""Transports move bytes to and from one device link and own nothing else (no framing, no retries)."""

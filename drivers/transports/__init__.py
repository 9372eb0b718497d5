"""Byte transports (serial, TCP, UDP: bytes in and out, nothing else) and ``link``, the request engine above them."""

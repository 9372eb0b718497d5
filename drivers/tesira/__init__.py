"""Biamp Tesira Text Protocol (shared/protocols.md section 5.1): codec, DSP device and factory registration."""

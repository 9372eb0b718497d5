"""Biamp Tesira Text Protocol (docs/protocols.md section 5.1): codec, DSP device and factory registration."""

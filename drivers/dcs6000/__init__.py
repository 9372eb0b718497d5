"""DIS / Shure DCS 6000 conference system, binary RS-232 protocol: codec, device and factory registration."""

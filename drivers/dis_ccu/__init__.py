"""Shure DIS-CCU / MXC conference system, ASCII over TCP 3142: codec, device and factory registration."""

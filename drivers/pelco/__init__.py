"""Pelco-D and Pelco-P PTZ domes on a shared RS-485 line: codec, line, camera and factory registration."""

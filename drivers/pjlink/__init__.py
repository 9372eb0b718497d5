"""PJLink class 1 projectors (shared/protocols.md section 3.3): codec, device and factory registration."""

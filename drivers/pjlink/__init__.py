"""PJLink class 1 and class 2 projectors (docs/protocols-pjlink.md): codec, device, status port, registration."""

"""USB devices: a fake libusb backend (backend.py) for pyusb, what every simulated device has (devices.py), the
HID, audio (UAC) and video (UVC) classes, and the room glue that plugs a room's devices on the bus (room.py)."""

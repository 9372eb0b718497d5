"""USB devices through pyusb: UVC camera controls, a UAC feature unit, HID lights and buttons."""

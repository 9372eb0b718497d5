"""VISCA cameras: the simulated camera (camera.py), the RS-232/RS-485 line that daisy-chains them (bus.py), their
test handle (handle.py) and the VISCA-over-IP camera on UDP (ip.py)."""

"""Sony VISCA: the sans-IO codec, the shared serial line (one per RS-232/RS-485 port) and the camera class."""

"""Sony VISCA over IP (UDP 52381): the 8-byte message header, a numbering UDP link and the camera on it."""

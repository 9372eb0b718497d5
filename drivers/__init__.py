"""Everything that talks to one device: transports, sans-IO codecs, profiles and device classes.

Usable without MQTT or the daemon: a technician's script can import it and drive a camera.
"""

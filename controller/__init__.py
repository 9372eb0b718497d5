"""The courtroom daemon: config, supervisor, MQTT bridge and command line."""

__version__ = "0.1.0"

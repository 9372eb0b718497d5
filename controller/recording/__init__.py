"""The controller's side of the software recording unit: sealing, backup, forecast, verification and the record."""

"""Hardware simulator: simulated devices that speak the real wire protocols on real endpoints.

It is an independent reading of docs/protocols.md and must never import ``drivers`` or ``controller``, so that
a misreading in one shows up against the other. See ``sim.room.SimulatedRoom`` for the entry point.
"""

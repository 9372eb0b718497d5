"""The court's fleet: the room's bridge to the central broker cluster, and the fleet view over every room."""

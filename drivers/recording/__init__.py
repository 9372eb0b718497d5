"""The software recording unit: the room's cameras and seat microphones recorded to sealed, segmented files."""

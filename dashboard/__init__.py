"""Frontlines: territorial control and events on a map you can scrub through time."""

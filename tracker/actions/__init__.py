"""SMART actions: what must be done, by whom, by when, with what, and whether it was."""

"""The rules, and the only layer that commits."""

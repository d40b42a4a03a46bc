"""means."""

"""What every room stands on: the clock, the app-wide objects (settings, keys, secret box),
encryption at rest, secrets and digests, passwords, single-use consumption, signing keys,
bounded JSON and substring search."""

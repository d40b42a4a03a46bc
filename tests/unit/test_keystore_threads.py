"""A cold key store answers every concurrent reader with the keys, never an empty set."""

from __future__ import annotations

import threading

from idp.services.platform.keys import KeyStore


def test_concurrent_first_reads_all_get_a_signing_key(tmp_path):
    KeyStore(tmp_path, retire_margin_seconds=60).ensure_keys()
    for _ in range(20):
        store = KeyStore(tmp_path, retire_margin_seconds=60)  # cold: nothing loaded
        start = threading.Barrier(8)
        failures: list[Exception] = []

        def read(
            store: KeyStore = store,
            start: threading.Barrier = start,
            failures: list[Exception] = failures,
        ) -> None:
            start.wait()
            try:
                store.signing_key("RS256")
            except Exception as error:  # the failure is what we look for
                failures.append(error)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []

#!/bin/sh
# The container's entrypoint (Dockerfile): prepare this node, then serve.
#
# `idp prepare` waits for the database (IDP_DB_WAIT_SECONDS, default 60; exit 1 after that,
# naming the database but never its password), then migrates it to the head and creates the
# missing signing keys under a lock in the database, so that every node may run it at every
# start. `exec` makes granian this process: the container's stop signal (SIGTERM) reaches
# it, and it finishes the requests in flight before it exits. Arguments go to `idp serve`
# (--host, --port, --workers, --threads).
#
# No `idp check` here: it fails while the SMTP server is down, yet a node serves well without
# it (mail waits in the outbox). /health/ready tells the load balancer what matters for
# serving; an operator runs `idp check` by hand.
set -eu

idp prepare --wait "${IDP_DB_WAIT_SECONDS:-60}"
exec idp serve "$@"

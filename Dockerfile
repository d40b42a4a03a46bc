# syntax=docker/dockerfile:1
# Lokal IdP as a container image: `docker build -t lokal-idp .`, then see compose.yaml and the
# README ("Running it in containers").
#
# Two stages: the builder makes the wheel (templates, static files and compiled catalogues
# inside, see setup.py) and the wheels of its dependencies; the runtime installs them from
# there without an index and keeps no compiler, no source tree and no pip cache.
# Nothing secret is in the image: every secret comes from the environment or a mounted file.
# Pin the base image by digest in production (python:3.11-slim-bookworm@sha256:...).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in babel.cfg README.md CHANGELOG.md ./
COPY config ./config
COPY idp ./idp
COPY templates ./templates
COPY static ./static
COPY translations ./translations
RUN pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE} AS runtime
# One fixed uid/gid, not root: volumes can be prepared for it (chown 10001:10001) and an
# orchestrator's runAsNonRoot can check it.
ARG IDP_UID=10001
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    IDP_HOST=0.0.0.0 \
    IDP_PORT=8000 \
    IDP_INSTANCE_PATH=/var/lib/idp/instance \
    IDP_KEYS_DIR=/var/lib/idp/keys \
    IDP_LOG_FORMAT=json \
    IDP_DB_WAIT_SECONDS=60
RUN groupadd --system --gid "${IDP_UID}" idp \
    && useradd --system --uid "${IDP_UID}" --gid idp --no-create-home \
       --home-dir /var/lib/idp --shell /usr/sbin/nologin idp \
    && install -d -o idp -g idp -m 0700 /var/lib/idp /var/lib/idp/instance /var/lib/idp/keys
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels lokal-idp
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/idp-entrypoint

# Everything the node writes is here (generated instance secrets, the file key store, .eml
# files of the file mail transport, a SQLite database when no PostgreSQL is given); the root
# filesystem can be read-only (compose.yaml: read_only, with /tmp as a tmpfs for the workers' metric files).
VOLUME ["/var/lib/idp"]
WORKDIR /var/lib/idp
USER ${IDP_UID}:${IDP_UID}
EXPOSE 8000

# slim has no curl: python's urllib, which fails (exit 1) on anything but a 2xx answer.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('IDP_PORT', '8000') + '/health/ready', timeout=4)"]

ENTRYPOINT ["/usr/local/bin/idp-entrypoint"]
CMD []

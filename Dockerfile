# The CSMS image: one image for every role (`csms serve --role ocpp|api|worker|scheduler|all`).
# Build: docker build -t csms .      Run: see compose.yaml and docs/deployment.md.

# 1. the operator console, when the tree has one (console/dist is bundled into the wheel)
FROM node:20-bookworm-slim AS console
WORKDIR /src
COPY . .
RUN if [ -f console/package.json ]; then \
      cd console && npm ci --no-audit --no-fund && npm run build; \
    fi

# 2. the wheel (config/default.toml, migrations and console/dist inside it: setup.py)
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY --from=console /src /src
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

# 3. the runtime: the wheel and its dependencies, the MariaDB client for `csms db backup`
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends mariadb-client tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/csms --create-home --shell /usr/sbin/nologin csms
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
ENV CSMS_DATA_DIR=/var/lib/csms \
    CSMS_LOG_JSON=1 \
    PYTHONUNBUFFERED=1
USER csms
WORKDIR /var/lib/csms
VOLUME ["/var/lib/csms"]
# 9000 ws://, 9443 wss:// (TLS in the CSMS), 8080 REST API + console + push, 9101 /metrics (api.metrics_port)
EXPOSE 9000 9443 8080 9101
ENTRYPOINT ["tini", "--", "csms"]
CMD ["serve"]

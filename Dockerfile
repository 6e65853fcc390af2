# policy-monitor daemon: `monitor run` as a non-root user, SQLite data on the /data volume.
# Build: docker build -t policy-monitor .
# Run:   docker run -d -v monitor-data:/data -v $PWD/config.toml:/config/config.toml:ro policy-monitor
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY storage ./storage
COPY notifiers ./notifiers
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MONITOR_CONFIG=/config/config.toml \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin monitor \
    && mkdir -p /data /config \
    && chown monitor:monitor /data
COPY config.example.toml /config/config.toml
VOLUME ["/data"]
USER monitor
WORKDIR /data
# /healthz listens on 127.0.0.1:8787 inside the container (config [monitor] health_port);
# the slim image has no curl, so the probe is a one-line Python request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8787/healthz', timeout=4).status == 200 else 1)"]
# SIGTERM (docker stop) lets in-flight checks finish for up to --grace seconds, below
# docker stop's default 10 s; abandoned checks never commit, so nothing is half-written.
STOPSIGNAL SIGTERM
CMD ["monitor", "run", "--grace", "8"]

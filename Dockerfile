# The fake1688 gateway for a team: N workers on one port, their state in Redis.
#   docker build -t fake1688 .
#   docker run -p 8688:8688 -e FAKE1688_STATE=redis://redis:6379/0 \
#       -e FAKE1688_ADMIN_TOKEN=... fake1688
# compose.yaml runs it beside a Redis; docs/guides/shared-fake.md explains the settings.
FROM python:3.12-slim

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src src
COPY fake_server fake_server
RUN pip install --no-cache-dir '.[fake,shared]' \
    && install -m 755 fake_server/deploy/entrypoint.sh /usr/local/bin/fake1688-entrypoint

# Unprivileged: the fake needs nothing of root.
RUN useradd --create-home fake1688
USER fake1688

EXPOSE 8688
HEALTHCHECK --interval=10s --timeout=3s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8688/__fake__/health', timeout=2)"
ENTRYPOINT ["fake1688-entrypoint"]

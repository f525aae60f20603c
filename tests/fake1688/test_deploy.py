"""The image's entrypoint, run as it is outside a container, against a real Redis;
and the Dockerfile and compose file, checked against the tree and the entrypoint."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from .redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "fake_server" / "deploy" / "entrypoint.sh"
SH = shutil.which("sh") or "/bin/sh"
TOKEN = "entrypoint-test-token"


def run_entrypoint(redis_url: str, port: int, *arguments: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
        "FAKE1688_STATE": redis_url,
        "FAKE1688_HOST": "127.0.0.1",  # tests stay on loopback; the image binds 0.0.0.0
        "FAKE1688_PORT": str(port),
        "FAKE1688_WORKERS": "2",
        "FAKE1688_ADMIN_TOKEN": TOKEN,
        "FAKE1688_REDIS_WAIT": "20",
    }
    return subprocess.Popen(
        [SH, str(ENTRYPOINT), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_health(root: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, process.communicate()
        try:
            httpx.get(root + "/__fake__/health", timeout=2)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the entrypoint's server did not answer"
            time.sleep(0.05)


@pytest.fixture
def stopped_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def test_the_entrypoint_waits_for_redis_then_serves_with_two_workers(
    stopped_redis: RedisServer,
) -> None:
    port = free_port()
    process = run_entrypoint(stopped_redis.url, port, "--seed", "0")
    try:
        time.sleep(1.0)  # it is waiting: Redis is not there yet
        assert process.poll() is None
        stopped_redis.start()
        root = f"http://127.0.0.1:{port}"
        wait_for_health(root, process)
        workers = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        assert len(workers) == 2  # exec: the shell became fake1688, its workers its children
        headers = {"Authorization": f"Bearer {TOKEN}"}
        journal = httpx.get(root + "/__fake__/requests", headers=headers, timeout=5)
        assert journal.status_code == 200
        assert httpx.get(root + "/__fake__/requests", timeout=5).status_code == 403
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "waiting for Redis" in err
    assert out.startswith(f"fake1688 serving on http://127.0.0.1:{port}/openapi/router/rest\n")
    assert f"2 workers, state in {stopped_redis.url}" in out
    assert "Traceback" not in err


def test_the_entrypoint_needs_the_state() -> None:
    env = {key: value for key, value in os.environ.items() if key != "FAKE1688_STATE"}
    done = subprocess.run(
        [SH, str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode != 0
    assert "set FAKE1688_STATE to the Redis the workers share" in done.stderr


def documented_variables() -> set[str]:
    return set(re.findall(r"^#   (FAKE1688_\w+)", ENTRYPOINT.read_text(), re.MULTILINE))


def test_the_dockerfile_copies_what_exists_and_runs_the_entrypoint() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE):
        *sources, _ = line.split()
        assert all((ROOT / source).exists() for source in sources), line
    assert f"install -m 755 {ENTRYPOINT.relative_to(ROOT)} " in dockerfile
    assert 'ENTRYPOINT ["fake1688-entrypoint"]' in dockerfile
    assert "'.[fake,shared]'" in dockerfile  # the extras --state needs


def test_the_compose_file_sets_only_what_the_entrypoint_reads() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    fake = compose["services"]["fake1688"]
    assert set(fake["environment"]) <= documented_variables()
    assert fake["environment"]["FAKE1688_STATE"] == "redis://redis:6379/0"
    assert fake["depends_on"] == {"redis": {"condition": "service_healthy"}}
    assert fake["ports"] == ["8688:8688"]
    assert compose["services"]["redis"]["command"][:3] == ["redis-server", "--save", ""]

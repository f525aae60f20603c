"""The fake gateway over real HTTP in a background thread, for tests and scripts.

::

    with ThreadedServer(FakeGateway()) as server:
        requests.post(server.base_url, data=signed_params)

uvicorn binds a socket made here, so port 0 picks a free port before the
server starts and the URL is known at once.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Final, Self

import uvicorn

from .gateway import FakeGateway

__all__ = ["ThreadedServer"]

_START_TIMEOUT: Final = 10.0


class ThreadedServer:
    """uvicorn serving a :class:`FakeGateway` on ``host:port`` in a daemon thread."""

    def __init__(self, gateway: FakeGateway, host: str = "127.0.0.1", port: int = 0) -> None:
        self.gateway = gateway
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(gateway.asgi_app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The TOP router's URL on this server, for a client's ``base_url``."""
        return f"{self.url}/openapi/router/rest"

    def start(self) -> Self:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the fake gateway did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=_START_TIMEOUT)
        self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

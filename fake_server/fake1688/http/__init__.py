"""The adapters that carry HTTP requests to the engine.

``asgi.py`` is the Starlette app (images decoded on a bounded pool of worker
threads); ``transport.py`` the direct httpx transports for in-process use.
Both hand the raw request to ``admin.endpoints.route``, then the engine, so
they answer byte-identically. On a socket, ``fake1688.server`` serves the app.
"""

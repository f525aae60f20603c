"""The engine: a request in, a response out, no web framework.

``pipeline.py`` runs each request through one straight pipeline: route by path
to a dialect, read the params (``protocol.py``), the gateway's checks in its
order (``checks.py``, ``aop_checks.py``), the gates (``ratelimits.py``,
``faults.py``), the dialect's API table (``api.py``, ``aop_api.py``,
``reseller_api.py``) over one backend (``search.py`` over the catalog, the
upload ``store.py``), the dialect's envelope (``render.py``, ``render_xml.py``,
``errors.py``, ``aop_errors.py``, ``reseller_errors.py``) and the
``journal.py``. All state lives here, with ``reset()``. It imports the catalog
room and nothing of the admin or HTTP rooms.
"""

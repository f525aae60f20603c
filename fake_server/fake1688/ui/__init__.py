"""The dashboard: the fake's calls with their photos, its catalog, its faults and limits.

Mounted at ``/__fake__/ui`` on ``fake1688 serve`` (behind the admin guard) and
on :meth:`fake1688.FakeGateway.asgi_app`; see ``docs/guides/dashboard.md``.
"""

from .pages import PREFIX, dashboard, dashboard_routes, sign_in_first

__all__ = ["PREFIX", "dashboard", "dashboard_routes", "sign_in_first"]

"""The apps the fake accepts: app key → secret, and the access tokens of its users.

The default registry holds the documented demo app (``test_app_key`` /
``test_app_secret``, access token ``test_access_token``). More apps come from
a JSON or TOML file::

    # apps.toml                             // apps.json
    [[apps]]                                {"apps": [
    app_key = "my_key"                        {"app_key": "my_key",
    app_secret = "my_secret"                   "app_secret": "my_secret",
    name = "CI"          # optional            "name": "CI",
    access_tokens = ["t1"]  # optional         "access_tokens": ["t1"]}]}

The Open Platform's image APIs need an ``access_token`` that the app's user
authorised: the fake accepts the ones listed for the app (none by default).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET

__all__ = ["DEMO_APP", "App", "AppRegistry", "AppsFileError"]


@dataclass(frozen=True, slots=True)
class App:
    """A registered app. ``repr`` shows neither the secret nor the access tokens."""

    app_key: str
    app_secret: str
    name: str = ""
    access_tokens: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        tokens = len(self.access_tokens)
        return (
            f"App(app_key={self.app_key!r}, name={self.name!r}, app_secret=<hidden>, "
            f"access_tokens=<{tokens} hidden>)"
        )


#: The demo credentials of the default fake, as the contract documents them.
DEMO_APP: Final = App(DEMO_APP_KEY, DEMO_APP_SECRET, "demo", frozenset({DEMO_ACCESS_TOKEN}))


class AppsFileError(ValueError):
    """An apps file is missing, unreadable or not in the documented shape."""


class AppRegistry:
    """Apps by key; immutable once built."""

    def __init__(self, apps: Iterable[App] = (DEMO_APP,)) -> None:
        self._apps: dict[str, App] = {}
        for app in apps:
            if not app.app_key or not app.app_secret:
                raise ValueError("an app needs a non-empty app_key and app_secret")
            if app.app_key in self._apps:
                raise ValueError(f"app_key {app.app_key!r} is registered twice")
            self._apps[app.app_key] = app

    @classmethod
    def demo(cls) -> AppRegistry:
        """Only the demo app."""
        return cls((DEMO_APP,))

    @classmethod
    def load(cls, path: str | Path) -> AppRegistry:
        """The apps listed in a ``.json`` or ``.toml`` file (the demo app only if listed).

        Raises :class:`AppsFileError` naming the file and the problem.
        """
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
            data = tomllib.loads(text) if source.suffix == ".toml" else json.loads(text)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise AppsFileError(f"cannot read apps file {source}: {error}") from None
        try:
            return cls(_apps_from(data))
        except ValueError as error:
            raise AppsFileError(f"apps file {source}: {error}") from None

    def get(self, app_key: str) -> App | None:
        """The app with this key, or ``None``."""
        return self._apps.get(app_key)

    def __contains__(self, app_key: object) -> bool:
        return app_key in self._apps

    def __iter__(self) -> Iterator[App]:
        return iter(self._apps.values())

    def __len__(self) -> int:
        return len(self._apps)


def _apps_from(data: object) -> list[App]:
    entries = data.get("apps") if isinstance(data, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError('expected a non-empty list under "apps"')
    apps = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, Mapping):
            raise ValueError(f"app #{number} is not a table/object")
        key, secret, name = (entry.get(k, "") for k in ("app_key", "app_secret", "name"))
        if not (isinstance(key, str) and isinstance(secret, str) and isinstance(name, str)):
            raise ValueError(f"app #{number}: app_key, app_secret and name must be strings")
        tokens = entry.get("access_tokens", [])
        if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
            raise ValueError(f"app #{number}: access_tokens must be a list of non-empty strings")
        apps.append(App(key, secret, name, frozenset(tokens)))
    return apps

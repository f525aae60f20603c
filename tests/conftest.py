"""Hypothesis profiles: ``dev`` (default, quick) and ``ci`` (more examples, derandomised).

Pick one with HYPOTHESIS_PROFILE; `.ci/run` selects ``ci``. The fake's cache of
computed catalog fingerprints is a temporary folder for the run, never the user's.
"""

import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config: pytest.Config) -> None:
    if "FAKE1688_CACHE_DIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="fake1688-cache-")
        os.environ["FAKE1688_CACHE_DIR"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))

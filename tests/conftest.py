"""Hypothesis profiles: ``dev`` (default, quick) and ``ci`` (more examples, derandomised).

Pick one with HYPOTHESIS_PROFILE; `.ci/run` selects ``ci``.
"""

import os

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

"""Re-record tests/cassettes/ against a local `fake1688 serve` (no credentials needed).

    python record_cassettes.py

Against the live API instead: export PAILITAO_APP_KEY and PAILITAO_APP_SECRET,
then run `pytest --pailitao-mode=record`.
"""

import os
import subprocess
import sys

from fake1688 import DEMO_APP, FakeGateway
from fake1688.server import ThreadedServer

if __name__ == "__main__":
    with ThreadedServer(FakeGateway()) as server:
        env = os.environ | {
            "PAILITAO_APP_KEY": DEMO_APP.app_key,
            "PAILITAO_APP_SECRET": DEMO_APP.app_secret,
            "PAILITAO_BASE_URL": server.base_url,
        }
        command = [sys.executable, "-m", "pytest", "--pailitao-mode=record", *sys.argv[1:]]
        sys.exit(subprocess.run(command, env=env, check=False).returncode)

"""Re-record tests/cassettes/1688/ against a local `fake1688 serve` (no credentials needed).

    python record_cassettes.py

Against the live API instead: export PAILITAO_APP_KEY and PAILITAO_APP_SECRET,
then run `pytest --pailitao-mode=record --pailitao-record=all`.
"""

import os
import subprocess
import sys
from pathlib import Path

from fake1688 import DEMO_APP, FakeGateway
from fake1688.server import ThreadedServer

CASSETTES = Path(__file__).parent / "tests" / "cassettes" / "1688"
#: What the cassettes name as the server: `fake1688 serve`'s default address,
#: not the free port this recording happened to get (so re-recording changes nothing).
SHOWN_URL = "http://127.0.0.1:8688"

if __name__ == "__main__":
    with ThreadedServer(FakeGateway()) as server:
        env = os.environ | {
            "PAILITAO_APP_KEY": DEMO_APP.app_key,
            "PAILITAO_APP_SECRET": DEMO_APP.app_secret,
            "PAILITAO_BASE_URL": server.base_url,
        }
        command = [
            sys.executable, "-m", "pytest", "--pailitao-mode=record", "--pailitao-record=all",
            *sys.argv[1:],
        ]  # fmt: skip
        code = subprocess.run(command, env=env, check=False).returncode
    for cassette in CASSETTES.rglob("*.yaml"):
        text = cassette.read_text(encoding="utf-8")
        cassette.write_text(text.replace(server.url, SHOWN_URL), encoding="utf-8")
    sys.exit(code)

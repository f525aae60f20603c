"""Import cost of `pailitao` next to `httpx`, which it builds on.

Runs each import in a fresh interpreter N times and prints the median wall time.
Usage: python bench/bench_import.py [runs]
"""

import statistics
import subprocess
import sys
import time


def median_import_ms(module: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    baseline = median_import_ms("sys", runs)
    print(f"interpreter start: {baseline:6.1f} ms (median of {runs})")
    for module in ("httpx", "pydantic", "pailitao"):
        cost = median_import_ms(module, runs) - baseline
        print(f"import {module:<10} {cost:6.1f} ms over interpreter start")


if __name__ == "__main__":
    main()

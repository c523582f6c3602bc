"""The benchmark runs, and a cached verify() beats PyJWT's jwt.decode by at least 2x (the target;
it is some 30x where measured, so a loaded machine does not make this flaky)."""

import os
import re
import subprocess
import sys

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench",
                     "verify_bench.py")


def test_cached_verify_is_at_least_twice_as_fast_as_jwt_decode():
    done = subprocess.run([sys.executable, BENCH, "--runs", "3", "--iterations", "300"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    ratio = float(re.search(r"ratio verify \(cached\) / jwt.decode speed: ([\d.]+)x",
                            done.stdout).group(1))
    assert ratio >= 2.0, done.stdout

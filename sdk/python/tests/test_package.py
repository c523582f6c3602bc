"""`pip install` of the package works offline and installs every module (a copy is built, so
the source tree stays clean)."""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)


def test_pip_installs_the_package(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src, ignore=shutil.ignore_patterns(
        "tests", "bench", "__pycache__", "build", "*.egg-info"))
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
         "--no-index", "--root-user-action=ignore", "--target", str(site), str(src)],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    modules = sorted(f for f in os.listdir(os.path.join(PACKAGE, "jwtd_verifier"))
                     if f.endswith(".py"))
    assert sorted(f for f in os.listdir(site / "jwtd_verifier") if f.endswith(".py")) == modules
    probe = ("import jwtd_verifier, sys; "
             "assert jwtd_verifier.__file__.startswith(sys.argv[1]), jwtd_verifier.__file__; "
             "from jwtd_verifier import Verifier, AsyncVerifier, TokenRejected; "
             "import jwtd_verifier.asgi, jwtd_verifier.wsgi; print(jwtd_verifier.__version__)")
    done = subprocess.run([sys.executable, "-c", probe, str(site)], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(site)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0.1.0"

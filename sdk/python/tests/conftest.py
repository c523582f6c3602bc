import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # jwtd_server
sys.path.insert(0, os.path.dirname(HERE))  # the package, when it is not installed

from jwtd_server import FEED_CLIENT, FEED_SECRET, ISSUER, JwtdServer  # noqa: E402

from jwtd_verifier import Verifier  # noqa: E402


@pytest.fixture(scope="module")
def jwtd():
    server = JwtdServer().start()
    yield server
    server.remove()


def make_verifier(server: JwtdServer, **options) -> Verifier:
    return Verifier(ISSUER, FEED_CLIENT, FEED_SECRET, base_url=server.base_url, **options)


@pytest.fixture(scope="module")
def verifier(jwtd):
    v = make_verifier(jwtd)
    assert v.wait_current(10), v.status()
    yield v
    v.close()

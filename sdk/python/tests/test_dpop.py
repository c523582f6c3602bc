"""DPoP (RFC 9449) without a jwtd: the replay cache, htu normalisation, proof keys that do not fit
their alg, and the ASGI (Starlette) and WSGI (Flask) adapters over a Verifier that decides with
the conformance vectors' keys, tokens and proofs (their clock: the vectors' `now`)."""

import base64
import json
import os

import flask
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from test_vectors import DOC, DPOP, KEYS, PROFILE, VECTORS

from jwtd_verifier import AccessChecker, ConfigurationError, DpopOptions, RevocationView
from jwtd_verifier import TokenRejected, Verifier
from jwtd_verifier.asgi import BearerAuthMiddleware
from jwtd_verifier.dpop import ReplayCache, access_token_hash, normalize_htu
from jwtd_verifier.wsgi import BearerAuthWsgiMiddleware, require_auth

CASES = {c["name"]: c for c in DOC["cases"]}
VALID = CASES["dpop_valid_es256"]
ORIGIN = "https://api.example"
PATH = "/v1/me"
VECTOR_KEYS = os.path.join(os.path.dirname(VECTORS), "keys")


class FixedVerifier(Verifier):
    """A Verifier over one AccessChecker: no thread, no jwtd (verify and verify_request run
    exactly as in a following Verifier)."""

    def __init__(self, replay_entries=100_000, replay_store=None):  # noqa: super().__init__
        # would start following
        self._checker = AccessChecker(
            PROFILE, KEYS, RevocationView(PROFILE.strategies), lambda: True,
            clock=lambda: VALID["now"],
            dpop=DpopOptions(algs=DPOP.algs, window=DPOP.window, skew=DPOP.skew,
                             replay_entries=replay_entries, replay_store=replay_store))
        self._jwks = None
        self._dpop = None


def dpop_headers(case):
    return {"authorization": f"DPoP {case['token']}", "dpop": case["request"]["proof"]}


def test_replay_cache_remembers_a_whole_generation_then_forgets_and_is_bounded():
    cache = ReplayCache(65, 1_000_000)
    assert cache.add("k", "j1", 1000) == "new"
    for t in range(1000, 1066):  # window 60 + skew 5, across a rollover
        assert cache.add("k", "j1", t) == "seen", t
    assert cache.add("k2", "j1", 1066) == "new"  # another key: another proof
    assert cache.add("k", "j1", 1000 + 3 * 65) == "new"  # long after: forgotten
    full = ReplayCache(10, 8)  # 4 a generation
    for j in "abcd":
        assert full.add("k", j, 100) == "new"
    assert full.add("k", "e", 100) == "full"
    assert full.add("k", "a", 100) == "seen"
    assert len(full) == 4
    assert full.add("k", "e", 111) == "new"  # a new generation has room
    assert full.add("k", "a", 111) == "seen"  # the previous one is still remembered


def test_a_full_replay_cache_refuses_as_stale_rather_than_forgetting():
    v = FixedVerifier(replay_entries=2)
    v.verify_request(**request_of(VALID))
    with pytest.raises(TokenRejected) as e:
        v.verify_request(**request_of(CASES["dpop_iat_within_skew"]))
    assert (e.value.reason, e.value.error_code, e.value.retry_after) == (
        "stale", "temporarily_unavailable", DPOP.window)


def request_of(case, **over):
    r = case["request"]
    return {"authorization": f"{r['scheme']} {case['token']}", "dpop": r["proof"],
            "method": r["method"], "url": r["uri"], **over}


def test_verify_request_arguments_and_schemes():
    v = FixedVerifier()
    with pytest.raises(TokenRejected) as e:
        v.verify_request("Basic dXNlcjpwYXNz")
    assert e.value.error_code == "invalid_request"
    with pytest.raises(TokenRejected) as e:  # two DPoP headers
        v.verify_request(**request_of(VALID, dpop=[VALID["request"]["proof"]] * 2))
    assert (e.value.error_code, e.value.dpop) == ("invalid_dpop_proof", True)
    with pytest.raises(TokenRejected) as e:  # verify() is a bearer request
        v.verify(VALID["token"])
    assert (e.value.error_code, e.value.dpop) == ("invalid_token", True)
    with pytest.raises(TypeError):
        v.verify_request(**request_of(VALID, url=None))
    assert v.verify_request("Bearer " + CASES["valid"]["token"])["sub"] == "42"
    # Case-insensitive scheme; the refusals above never recorded the proof's jti.
    claims = v.verify_request(**request_of(VALID, authorization="dpop " + VALID["token"]))
    assert claims["cnf"]["jkt"] == VALID["expect"]["jkt"]


@pytest.mark.parametrize("uri", [
    "https://api.example/v1/me", "HTTPS://API.EXAMPLE/v1/me", "https://api.example:443/v1/me",
    "https://api.example/v1/me?q=1", "https://api.example/v1/me#f",
    "https://api.example/v1/%6d%65", "https://api.example:/v1/me"])
def test_htu_normalisation_equal(uri):
    assert normalize_htu(uri) == "https://api.example/v1/me"


@pytest.mark.parametrize("uri", ["/v1/me", "ftp://h/x", "https://u@h/x", "https:///x",
                                 "https://h:8x/x", "https://h/%zz", 42])
def test_htu_normalisation_refused(uri):
    assert normalize_htu(uri) is None


def test_htu_normalisation_details_and_ath():
    assert normalize_htu("http://h") == "http://h/"
    assert normalize_htu("http://h:80/a%2fb") == "http://h/a%2Fb"
    assert normalize_htu("http://[::1]:8080/x") == "http://[::1]:8080/x"
    assert normalize_htu("https://api.example/V1/me") != normalize_htu(VALID["request"]["uri"])
    assert access_token_hash("abc") == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"


def test_a_proof_key_must_fit_its_alg():
    """ES256 over a P-384 key would verify in PyJWT (SHA-256 on any curve): refused here."""
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    claims = {"jti": "p384", "htm": "GET", "htu": VALID["request"]["uri"], "iat": VALID["now"],
              "ath": access_token_hash(VALID["token"])}
    proof = jwt.api_jws.encode(json.dumps(claims).encode(), key, algorithm="ES256",
                               headers={"typ": "dpop+jwt", "jwk": jwk})
    with pytest.raises(TokenRejected) as e:
        FixedVerifier().verify_request(**request_of(VALID, dpop=proof))
    assert e.value.error_code == "invalid_dpop_proof"
    assert "jwk" in e.value.detail


def client_proof(header=None, claims=None):
    """A proof for VALID's request by the key VALID's token is bound to (the vectors' test-only
    client key), its header and claims changed by `header` and `claims`."""
    with open(os.path.join(VECTOR_KEYS, "dpop_client_es256.pem"), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    c = {"jti": "client-proof", "htm": "GET", "htu": VALID["request"]["uri"], "iat": VALID["now"],
         "ath": access_token_hash(VALID["token"]), **(claims or {})}
    # json.dumps writes non-ASCII as \u escapes: U+1F600 as the pair \ud83d\ude00.
    return jwt.api_jws.encode(json.dumps(c).encode(), key, algorithm="ES256",
                              headers={"typ": "dpop+jwt", "jwk": jwk, **(header or {})})


def test_surrogate_escapes_in_a_proof_header_and_payload():
    v = FixedVerifier()
    for header, claims in [({"kid": "\ud800"}, None), ({"x\udfff": 1}, None),
                           (None, {"jti": "a\udc00b"}), (None, {"nonce": "\ud83d"})]:
        with pytest.raises(TokenRejected) as e:
            v.verify_request(**request_of(VALID, dpop=client_proof(header, claims)))
        assert (e.value.reason, e.value.error_code) == ("invalid", "invalid_dpop_proof"), (
            header, claims)
    proof = client_proof({"kid": "\U0001F600"}, {"jti": "\U0001F600", "nonce": "\U0001F600"})
    assert rb'"kid":"\ud83d\ude00"' in base64.urlsafe_b64decode(proof.split(".")[0] + "==")
    assert v.verify_request(**request_of(VALID, dpop=proof))["sub"] == "42"
    with pytest.raises(TokenRejected):  # its jti (one character) is recorded like any
        v.verify_request(**request_of(VALID, dpop=proof))


def test_options_are_checked():
    for bad in ({"algs": ("HS256",)}, {"algs": ("none",)}, {"algs": ()}, {"window": 0},
                {"skew": -1}):
        with pytest.raises(ConfigurationError):
            DpopOptions(**bad)
    with pytest.raises(ConfigurationError):
        BearerAuthWsgiMiddleware(lambda e, s: [], FixedVerifier(), origin="https://h/base")


# (name, headers, status, WWW-Authenticate, error)
ADAPTER_CASES = [
    ("no credentials", {}, 401, 'Bearer, DPoP algs="ES256 EdDSA"', "unauthorized"),
    ("bound token as Bearer", {"authorization": "Bearer " + VALID["token"]}, 401,
     'DPoP error="invalid_token", error_description="DPoP binding refused"', "invalid_token"),
    ("no proof", {"authorization": "DPoP " + VALID["token"]}, 401,
     'DPoP error="invalid_dpop_proof", error_description="invalid DPoP proof"',
     "invalid_dpop_proof"),
    ("wrong htm", dpop_headers(CASES["dpop_wrong_htm"]), 401,
     'DPoP error="invalid_dpop_proof", error_description="invalid DPoP proof"',
     "invalid_dpop_proof"),
    ("unbound token under DPoP", dpop_headers(CASES["dpop_unbound_token_under_dpop"]), 401,
     'DPoP error="invalid_token", error_description="DPoP binding refused"', "invalid_token"),
    ("bad token", {"authorization": "DPoP not.a.token", "dpop": VALID["request"]["proof"]}, 401,
     'Bearer error="invalid_token", error_description="invalid token"', "invalid_token"),
    # Unpaired surrogate escapes are malformed JSON: 401, never a 500 from encoding them later.
    ("lone surrogate in the token", {"authorization": "Bearer " +
                                     CASES["jti_lone_surrogate"]["token"]}, 401,
     'Bearer error="invalid_token", error_description="invalid token"', "invalid_token"),
    ("lone surrogate in the proof", dpop_headers(CASES["dpop_jti_lone_surrogate"]), 401,
     'DPoP error="invalid_dpop_proof", error_description="invalid DPoP proof"',
     "invalid_dpop_proof"),
    ("lone surrogate in the proof header", dpop_headers(CASES["dpop_header_lone_surrogate"]), 401,
     'DPoP error="invalid_dpop_proof", error_description="invalid DPoP proof"',
     "invalid_dpop_proof"),
]


def json_of(response):
    """The JSON body: a method of httpx's responses, a property of Werkzeug's."""
    return response.json() if callable(response.json) else response.json


def check_adapter(get):
    ok = get(PATH + "?page=2", dpop_headers(VALID))  # the query is not part of htu
    assert ok.status_code == 200
    assert json_of(ok) == {"jkt": VALID["expect"]["jkt"]}
    again = get(PATH, dpop_headers(VALID))
    assert again.status_code == 401
    assert again.headers["www-authenticate"].startswith('DPoP error="invalid_dpop_proof"')
    for name, headers, status, challenge, error in ADAPTER_CASES:
        r = get(PATH, headers)
        assert r.status_code == status, name
        assert r.headers["www-authenticate"] == challenge, name
        assert json_of(r)["error"] == error, name
    bearer = get(PATH, {"authorization": "Bearer " + CASES["valid"]["token"]})
    assert bearer.status_code == 200 and json_of(bearer) == {"jkt": None}
    # Paired surrogate escapes are characters like any: in the token's jti, in the proof's.
    paired = get(PATH, {"authorization": "Bearer " + CASES["jti_surrogate_pair"]["token"]})
    assert paired.status_code == 200 and json_of(paired) == {"jkt": None}
    paired = get(PATH, dpop_headers(CASES["dpop_jti_surrogate_pair"]))
    assert paired.status_code == 200 and json_of(paired) == {"jkt": VALID["expect"]["jkt"]}


def starlette_app(verifier, **options):
    async def me(request: Request):
        return JSONResponse({"jkt": request.state.auth.get("cnf", {}).get("jkt")})

    app = Starlette(routes=[Route(PATH, me)])
    app.add_middleware(BearerAuthMiddleware, verifier=verifier, **options)
    return app


def test_asgi_with_origin_takes_dpop_requests_once():
    client = TestClient(starlette_app(FixedVerifier(), origin=ORIGIN))
    check_adapter(lambda path, headers: client.get(path, headers=headers))


def test_asgi_the_url_is_the_configured_origin_whatever_the_host():
    client = TestClient(starlette_app(FixedVerifier(), origin="https://other.example"))
    r = client.get(PATH, headers={**dpop_headers(VALID), "host": "api.example"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('DPoP error="invalid_dpop_proof"')


def test_asgi_without_origin_is_bearer_only_and_refuses_bound_tokens():
    client = TestClient(starlette_app(FixedVerifier()))
    r = client.get(PATH, headers=dpop_headers(VALID))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = client.get(PATH, headers={"authorization": "Bearer " + VALID["token"]})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith(
        'DPoP error="invalid_token"')


def test_asgi_full_replay_cache_answers_503_with_retry_after():
    client = TestClient(starlette_app(FixedVerifier(replay_entries=2), origin=ORIGIN))
    assert client.get(PATH, headers=dpop_headers(VALID)).status_code == 200
    r = client.get(PATH, headers=dpop_headers(CASES["dpop_iat_within_skew"]))
    assert r.status_code == 503 and r.headers["retry-after"] == str(DPOP.window)


def flask_app(verifier, decorator):
    app = flask.Flask("dpop-test")

    def me():
        auth = flask.g.auth if decorator else flask.request.environ["jwtd.auth"]
        return {"jkt": auth.get("cnf", {}).get("jkt")}

    if decorator:
        app.get(PATH)(require_auth(verifier, origin=ORIGIN)(me))
    else:
        app.get(PATH)(me)
        app.wsgi_app = BearerAuthWsgiMiddleware(app.wsgi_app, verifier, origin=ORIGIN)
    return app


@pytest.mark.parametrize("decorator", [False, True], ids=["wsgi_middleware", "flask_decorator"])
def test_wsgi_and_flask_with_origin_take_dpop_requests_once(decorator):
    client = flask_app(FixedVerifier(), decorator).test_client()
    check_adapter(lambda path, headers: client.get(path, headers=headers))

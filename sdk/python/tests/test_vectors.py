"""The conformance vectors every verifier of jwtd's tokens must pass (tests/vectors/README.md),
run through the same AccessChecker that Verifier.verify and verify_request use. A case with a
`request` (Bearer or DPoP, with its proof) goes through check_request; one without is a bearer
token for check. The `sequences` run their steps in order through one checker (one replay
cache)."""

import json
import os

import pytest

from jwtd_verifier import AccessChecker, Profile, RevocationView, TokenRejected, load_jwks
from jwtd_verifier.dpop import DpopOptions

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                       "tests", "vectors", "access_check.json")

with open(VECTORS, encoding="utf-8") as f:
    DOC = json.load(f)
PARAMS = DOC["params"]
PROFILE = Profile(issuer=PARAMS["issuer"], audience=PARAMS["audience"], typ=PARAMS["typ"],
                  max_lifetime=PARAMS["access_ttl"], leeway=PARAMS["leeway"],
                  strategies=frozenset(PARAMS["strategies"]),
                  max_token_bytes=PARAMS["max_token_bytes"])
KEYS = load_jwks(DOC["jwks"])
DPOP = DpopOptions(algs=tuple(PARAMS["dpop"]["algs"]), window=PARAMS["dpop"]["window"],
                   skew=PARAMS["dpop"]["skew"])


def checker_for(case, cache_entries=100, clock=None):
    view = RevocationView(PROFILE.strategies)
    for entry in case["feed"]:
        view.apply(entry)
    return AccessChecker(PROFILE, KEYS, view, is_current=lambda: not case["stale"],
                         clock=clock or (lambda: case["now"]), cache_entries=cache_entries,
                         dpop=DPOP)


def decide(checker, token, request=None, expect=None):
    """The decision in the vectors' words: dpop_error and jkt where the expectation has them."""
    expect = expect or {}
    try:
        if request is None:
            claims = checker.check(token)
        else:
            proof = request["proof"]
            claims = checker.check_request(f"{request['scheme']} {token}",
                                           [] if proof is None else proof,
                                           request["method"], request["uri"])
        out = {"valid": True}
        if "jkt" in expect:
            out["jkt"] = claims.get("cnf", {}).get("jkt")
        return out
    except TokenRejected as e:
        out = {"valid": False, "reason": e.reason}
        if "dpop_error" in expect:
            out["dpop_error"] = e.error_code
        return out


def decide_case(checker, case):
    return decide(checker, case["token"], case.get("request"), case["expect"])


def test_the_vectors_are_all_there():
    assert len(DOC["cases"]) >= 68
    assert len(DOC["sequences"]) >= 4
    assert sorted(KEYS) == ["vec-eddsa", "vec-es256"]


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_vector(case):
    checker = checker_for(case)
    assert decide_case(checker, case) == case["expect"], case["why"]
    # A second use is a cache hit for a good signature: it must decide the same. A proof is
    # good once, so a DPoP case goes again through a fresh replay cache (the token cached).
    if case.get("request", {}).get("proof") is not None:
        checker.dpop = checker_for(case).dpop
    assert decide_case(checker, case) == case["expect"], case["why"] + " (cached)"


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_vector_without_cache(case):
    assert decide_case(checker_for(case, cache_entries=0), case) == case["expect"]


@pytest.mark.parametrize("seq", DOC["sequences"], ids=[s["name"] for s in DOC["sequences"]])
def test_sequence(seq):
    now = [seq["steps"][0]["now"]]
    checker = checker_for(seq, clock=lambda: now[0])
    for i, step in enumerate(seq["steps"]):
        now[0] = step["now"]
        got = decide(checker, seq["token"], step["request"], step["expect"])
        assert got == step["expect"], f"{seq['why']} (step {i})"


def valid_case(name="valid"):
    return next(c for c in DOC["cases"] if c["name"] == name)


@pytest.mark.parametrize("name", ["valid", "valid_eddsa"])
def test_every_flipped_signature_bit_fails(name):
    case = valid_case(name)
    head, payload, sig = case["token"].split(".")
    import base64
    raw = base64.urlsafe_b64decode(sig + "==")
    checker = checker_for(case)
    for i in range(len(raw) * 8):
        flipped = bytearray(raw)
        flipped[i // 8] ^= 1 << (i % 8)
        bad_sig = base64.urlsafe_b64encode(bytes(flipped)).rstrip(b"=").decode()
        forged = ".".join([head, payload, bad_sig])
        assert decide(checker, forged) == {"valid": False, "reason": "invalid"}, i
    for cut in range(1, len(sig)):
        assert decide(checker, ".".join([head, payload, sig[:-cut]]))["valid"] is False


def test_cache_hit_still_checks_time_and_revocation():
    case = valid_case()
    now = [case["now"]]
    view = RevocationView(PROFILE.strategies)
    current = [True]
    checker = AccessChecker(PROFILE, KEYS, view, lambda: current[0], clock=lambda: now[0])
    claims = checker.check(case["token"])
    assert claims["sub"] == "42"
    claims["sub"] = "1"  # a caller changing its copy changes nothing for the next caller
    assert checker.check(case["token"])["sub"] == "42"
    current[0] = False
    assert decide(checker, case["token"]) == {"valid": False, "reason": "stale"}
    current[0] = True
    view.apply({"seq": 1, "kind": "session", "key": claims["sid"], "value": 0,
                "expires_at": case["now"] + 60})
    assert decide(checker, case["token"]) == {"valid": False, "reason": "revoked"}
    now[0] = case["now"] + 10_000
    assert decide(checker, case["token"]) == {"valid": False, "reason": "expired"}


def test_a_key_leaving_the_key_set_ends_its_cached_tokens():
    case = valid_case()
    checker = checker_for(case)
    assert decide(checker, case["token"]) == {"valid": True}
    checker.keys = {k: v for k, v in KEYS.items() if k != "vec-es256"}
    assert decide(checker, case["token"]) == {"valid": False, "reason": "invalid"}


def test_fail_open_checks_against_the_stale_view_and_says_so():
    case = valid_case()
    noted = []
    view = RevocationView(PROFILE.strategies)
    checker = AccessChecker(PROFILE, KEYS, view, lambda: False, clock=lambda: case["now"],
                            fail_open=True, on_fail_open=lambda: noted.append(1))
    assert checker.check(case["token"])["sub"] == "42"
    assert noted == [1]
    view.apply({"seq": 1, "kind": "jti", "key": "jti-vector-000000000001", "value": 0,
                "expires_at": 0})
    assert decide(checker, case["token"]) == {"valid": False, "reason": "revoked"}


def test_a_bounded_cache():
    case = valid_case()
    checker = checker_for(case, cache_entries=3)
    for c in DOC["cases"]:
        decide(checker, c["token"])
    assert len(checker._cache) == 3


def test_the_same_proof_twice_is_refused_and_a_new_one_passes():
    case = valid_case("dpop_valid_es256")
    checker = checker_for(case)
    assert decide_case(checker, case) == case["expect"]
    refused = {"valid": False, "reason": "invalid", "dpop_error": "invalid_dpop_proof"}
    assert decide(checker, case["token"], case["request"], refused) == refused
    edge = valid_case("dpop_iat_window_edge")  # another jti for the same token and key
    assert decide_case(checker, edge) == edge["expect"]
    assert len(checker.dpop.replay) == 2

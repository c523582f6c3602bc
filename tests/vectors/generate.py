#!/usr/bin/python3
"""Writes tests/vectors/access_check.json: the conformance vectors of docs/verifying.md.

Every verifier of jwtd's access tokens (jwtd's own AccessChecker, the Node and Python SDKs, any
third party) must reach the decision each case states, from the token, the keys, the revocation
feed entries and the clock given in it. The tokens are signed here with the test keys in
keys/ (test-only keys: never use them for anything else); ECDSA signatures are randomised, so a
run changes the signatures but never a decision. Run it after changing a case:

    /usr/bin/python3 tests/vectors/generate.py

Only Debian's python3-cryptography is needed (no JOSE library: some cases are deliberately
malformed tokens that a library would refuse to produce).
"""
import base64
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = 1_700_000_000
ISSUER = "https://issuer.example"
AUDIENCE = "jwtd"
ACCESS_TTL = 900
LEEWAY = 30


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load(name):
    with open(os.path.join(HERE, "keys", name), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


ES = load("es256.pem")
ED = load("ed25519.pem")
ES_KID, ED_KID = "vec-es256", "vec-eddsa"


def jwk_es(key, kid):
    n = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
            "x": b64(n.x.to_bytes(32, "big")), "y": b64(n.y.to_bytes(32, "big"))}


def jwk_ed(key, kid):
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid,
            "x": b64(raw)}


def sign(header: dict, claims, key=ES, raw_claims: str = None) -> str:
    h = b64(json.dumps(header, separators=(",", ":")).encode())
    c = b64((raw_claims if raw_claims is not None else
             json.dumps(claims, separators=(",", ":"))).encode())
    data = f"{h}.{c}".encode()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        sig = key.sign(data)
    elif isinstance(key, bytes):  # an HMAC "key": the algorithm-confusion attack
        mac = hmac.HMAC(key, hashes.SHA256())
        mac.update(data)
        sig = mac.finalize()
    else:
        sig = b""
    return f"{h}.{c}.{b64(sig)}"


def claims(**over):
    c = {"iss": ISSUER, "sub": "42", "aud": AUDIENCE, "exp": NOW + 600, "iat": NOW - 300,
         "nbf": NOW - 300, "jti": "jti-vector-000000000001", "client_id": "jwtd",
         "sid": "sid-vector-00000000001", "ver": 3, "scope": "read"}
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def es_header(**over):
    h = {"alg": "ES256", "typ": "at+jwt", "kid": ES_KID}
    h.update(over)
    return {k: v for k, v in h.items() if v is not None}


def entry(seq, kind, key, value=0, expires_at=NOW + 3600):
    return {"seq": seq, "kind": kind, "key": key, "value": value, "expires_at": expires_at}


def case(name, token, expect, reason=None, now=NOW, feed=(), stale=False, why=""):
    out = {"name": name, "why": why, "now": now, "token": token, "feed": list(feed),
           "stale": stale, "expect": {"valid": expect}}
    if reason:
        out["expect"]["reason"] = reason
    return out


def cases():
    good = sign(es_header(), claims())
    exp = NOW + 600
    yield case("valid", good, True, why="signature, claims and feed all pass")
    yield case("valid_eddsa", sign({"alg": "EdDSA", "typ": "at+jwt", "kid": ED_KID}, claims(),
                                   ED), True, why="the key pins EdDSA")
    yield case("valid_audience_array", sign(es_header(), claims(aud=["other", AUDIENCE])), True,
               why="aud may be an array that contains the audience")
    yield case("valid_typ_full_media_type", sign(es_header(typ="application/at+jwt"), claims()),
               True, why="RFC 9068: typ at+jwt, with or without the application/ prefix")
    yield case("within_leeway_after_exp", good, True, now=exp + LEEWAY - 1,
               why="exp is allowed the leeway")
    yield case("expired", good, False, "expired", now=exp + LEEWAY,
               why="now >= exp + leeway")
    yield case("not_yet_valid", sign(es_header(), claims(nbf=NOW + 120, iat=NOW)), False,
               "invalid", why="nbf - leeway > now")
    yield case("issued_in_the_future", sign(es_header(), claims(iat=NOW + 120, nbf=None)),
               False, "invalid", why="iat > now + leeway")
    yield case("lifetime_above_access_ttl",
               sign(es_header(), claims(iat=NOW - 10, exp=NOW + ACCESS_TTL)), False, "expired",
               why="exp - iat > access_ttl: such a token would outlive its own revocation "
                   "entries; it reads as expired")
    yield case("missing_iat", sign(es_header(), claims(iat=None)), False, "expired",
               why="without iat the lifetime cannot be checked: refused like an over-long one")
    yield case("wrong_issuer", sign(es_header(), claims(iss="https://evil.example")), False,
               "invalid", why="iss must equal the issuer")
    yield case("wrong_audience", sign(es_header(), claims(aud="other")), False, "invalid",
               why="aud must contain the audience")
    yield case("typ_jwt", sign(es_header(typ="JWT"), claims()), False, "invalid",
               why="RFC 8725 §3.11 / RFC 9068 §4: only at+jwt is an access token")
    yield case("typ_missing", sign(es_header(typ=None), claims()), False, "invalid",
               why="typ is required")
    yield case("alg_none", sign({"alg": "none", "typ": "at+jwt", "kid": ES_KID}, claims(), None),
               False, "invalid", why="none never verifies")
    pub = ES.public_key().public_bytes(serialization.Encoding.PEM,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    yield case("alg_confusion_hs256", sign(es_header(alg="HS256"), claims(), pub), False,
               "invalid", why="the key pins the algorithm: HS256 with the public key as secret")
    yield case("alg_mismatch", sign({"alg": "EdDSA", "typ": "at+jwt", "kid": ES_KID}, claims(),
                                    ED), False, "invalid",
               why="the header's alg must be the key's")
    yield case("unknown_kid", sign(es_header(kid="nobody"), claims()), False, "invalid",
               why="no key with this kid")
    body, sig = good.rsplit(".", 1)
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    yield case("bad_signature", f"{body}.{flipped}", False, "invalid",
               why="one changed signature byte")
    yield case("malformed_two_segments", body, False, "invalid", why="not a JWS compact")
    yield case("duplicate_claim",
               sign(es_header(), None, raw_claims=json.dumps(claims())[:-1] +
                    ',"sub":"43"}'), False, "invalid",
               why="RFC 8725 §3.9 / RFC 7519 §4: duplicate member names are refused")
    yield case("jti_denied", good, False, "revoked",
               feed=[entry(1, "jti", "jti-vector-000000000001", expires_at=exp + LEEWAY)],
               why="a feed entry of kind jti with the token's jti")
    yield case("session_ended", good, False, "revoked",
               feed=[entry(7, "session", "sid-vector-00000000001")],
               why="a feed entry of kind session with the token's sid")
    yield case("version_bumped", good, False, "revoked",
               feed=[entry(3, "user_version", "42", value=4)],
               why="ver 3 below the user's minimum 4")
    yield case("version_equal_is_fine", good, True,
               feed=[entry(3, "user_version", "42", value=3)],
               why="ver equal to the minimum passes")
    yield case("version_of_another_user", good, True,
               feed=[entry(3, "user_version", "43", value=9)], why="another sub")
    yield case("key_revoked", good, False, "revoked", feed=[entry(9, "key", ES_KID)],
               why="a feed entry of kind key with the token's kid, even though the JWKS still "
                   "holds the key")
    yield case("other_session_and_jti", good, True,
               feed=[entry(1, "jti", "someone-else"), entry(2, "session", "another-sid")],
               why="entries about other tokens")
    yield case("expired_entry_is_gone", good, True,
               feed=[entry(1, "session", "sid-vector-00000000001", expires_at=NOW - 1)],
               why="an entry past its expires_at no longer applies")
    yield case("stale_view_fails_closed", good, False, "stale", stale=True,
               why="the follower's view is not verified within its staleness bound: refuse "
                   "(fail closed), do not accept")
    yield case("stale_view_expired_token", good, False, "expired", now=exp + LEEWAY, stale=True,
               why="an expired token is expired whatever the feed says")
    yield case("token_too_large", sign(es_header(), claims(pad="x" * 9000)), False, "invalid",
               why="longer than max_token_bytes: refused before decoding")


def main():
    doc = {
        "description": "Conformance vectors for verifiers of jwtd access tokens "
                       "(docs/verifying.md). Written by tests/vectors/generate.py.",
        "params": {"issuer": ISSUER, "audience": AUDIENCE, "access_ttl": ACCESS_TTL,
                   "leeway": LEEWAY, "typ": "at+jwt", "strategies": ["denylist", "version"],
                   "max_token_bytes": 8192},
        "jwks": {"keys": [jwk_es(ES, ES_KID), jwk_ed(ED, ED_KID)]},
        "cases": list(cases()),
    }
    path = os.path.join(HERE, "access_check.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(doc['cases'])} cases to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()

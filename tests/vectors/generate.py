#!/usr/bin/python3
"""Writes tests/vectors/access_check.json: the conformance vectors of docs/verifying.md.

Every verifier of jwtd's access tokens (jwtd's own AccessChecker, the Node and Python SDKs, any
third party) must reach the decision each case states, from the token, the keys, the revocation
feed entries and the clock given in it — and, for the DPoP cases (RFC 9449), from the request
and its proof. The tokens and proofs are signed here with the test keys in keys/ (test-only
keys: never use them for anything else). ECDSA signatures are randomised; a JWS whose signed
bytes did not change keeps the signature the previous access_check.json holds, so a run
changes only what a changed case changes. Run it after changing a case:

    /usr/bin/python3 tests/vectors/generate.py

Only Debian's python3-cryptography is needed (no JOSE library: some cases are deliberately
malformed tokens that a library would refuse to produce).
"""
import base64
import hashlib
import json
import os
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = 1_700_000_000
ISSUER = "https://issuer.example"
AUDIENCE = "jwtd"
ACCESS_TTL = 900
LEEWAY = 30
VECTORS = os.path.join(HERE, "access_check.json")


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


def previous_jws():
    """signing input -> the signatures of every JWS in the current file (tokens and proofs;
    several for one input where a case tampers with a signature)."""
    try:
        with open(VECTORS, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    found = {}
    for head_claims, sig in re.findall(r"([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)",
                                       text):
        found.setdefault(head_claims.encode(), []).append(sig)
    return found


PREVIOUS = previous_jws()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def previous_es256_signature(data: bytes, key):
    """A signature the file already holds for `data` that verifies under `key`: keeps an
    unchanged case byte for byte (ECDSA would otherwise draw a new one on every run)."""
    for text in PREVIOUS.get(data, ()):
        sig = unb64(text)
        if len(sig) != 64:
            continue
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                   int.from_bytes(sig[32:], "big"))
        try:
            key.public_key().verify(der, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return sig
    return None


def sign(header: dict, claims, key=ES, raw_claims: str = None) -> str:
    h = b64(json.dumps(header, separators=(",", ":")).encode())
    c = b64((raw_claims if raw_claims is not None else
             json.dumps(claims, separators=(",", ":"))).encode())
    data = f"{h}.{c}".encode()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        sig = previous_es256_signature(data, key)
        if sig is None:
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        # The same bytes signed again in this run (one token in several cases) get the same
        # signature, so the next run finds one signature per input.
        PREVIOUS[data] = [b64(sig)]
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
    # json.dumps writes a surrogate as a \u escape (ensure_ascii): the token holds "\ud800".
    yield case("jti_lone_surrogate", sign(es_header(), claims(jti="\ud800")), False, "invalid",
               why="RFC 8259 §8.2: a \\u escape of an unpaired UTF-16 surrogate is no "
                   "character: malformed JSON (jwtd: invalid UTF-8), refused like any bad JSON")
    yield case("jti_surrogate_pair", sign(es_header(), claims(jti="jti-\U0001F600")), True,
               why="a paired escape (\\ud83d\\ude00) is one character, U+1F600: accepted")
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
    no_jkt = sign(es_header(), claims(cnf={"x5t#S256": b64(b"\x00" * 32)}))
    out = case("cnf_without_jkt", no_jkt, False, "invalid",
               why="RFC 9449 §6.1: cnf without a jkt string is a confirmation method this "
                   "verifier cannot check: never accept it as a bearer token")
    out["expect"]["dpop_error"] = "invalid_token"
    yield out


# -- DPoP (RFC 9449): sender-constrained tokens and their proofs -----------------------------

DPOP_ALGS = ["ES256", "EdDSA"]
DPOP_WINDOW = 60  # a proof older than this is stale
DPOP_SKEW = 5  # a proof this far in the future still passes
URI = "https://api.example/v1/me"
CLIENT_ES = load("dpop_client_es256.pem")  # the client's proof keys (test-only)
CLIENT_ED = load("dpop_client_ed25519.pem")
OTHER_ES = load("dpop_other_es256.pem")  # a key the tokens are not bound to


def public_jwk(key):
    """The proof header's jwk: the bare public key (no kid, alg or use)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        j = jwk_es(key, "")
        return {m: j[m] for m in ("kty", "crv", "x", "y")}
    j = jwk_ed(key, "")
    return {m: j[m] for m in ("kty", "crv", "x")}


def thumbprint(key) -> str:
    """RFC 7638: SHA-256 of the required members, in lexicographic order, no whitespace."""
    text = json.dumps(public_jwk(key), sort_keys=True, separators=(",", ":"))
    return b64(hashlib.sha256(text.encode()).digest())


def ath(token: str) -> str:
    """RFC 9449 §4.2: base64url(SHA-256(the ASCII of the access token))."""
    return b64(hashlib.sha256(token.encode("ascii")).digest())


JKT_ES, JKT_ED = thumbprint(CLIENT_ES), thumbprint(CLIENT_ED)


def bound(jkt: str, **over) -> str:
    """An access token bound to `jkt` (cnf, RFC 9449 §6.1), signed by the issuer."""
    return sign(es_header(), claims(cnf={"jkt": jkt}, **over))


OWN_KEY = object()  # proof(): sign with the key the header names


def proof(token, name, key=CLIENT_ES, signer=OWN_KEY, header=None, now=NOW, **over):
    """A DPoP proof for GET URI presented with `token`, each with its own jti. `over` changes
    or (None) removes claims; `header` changes or removes header members; `signer` signs
    instead of `key` (an ES256/EdDSA key, HMAC bytes, or None for no signature)."""
    alg = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "EdDSA"
    h = {"typ": "dpop+jwt", "alg": alg, "jwk": public_jwk(key)}
    for k, v in (header or {}).items():
        h[k] = v
    h = {k: v for k, v in h.items() if v is not None}
    c = {"jti": f"proof-{name}", "htm": "GET", "htu": URI, "iat": now, "ath": ath(token)}
    for k, v in over.items():
        c[k] = v
    c = {k: v for k, v in c.items() if v is not None}
    return sign(h, c, key if signer is OWN_KEY else signer)


def request(proof_jws, scheme="DPoP", uri=URI, method="GET"):
    return {"scheme": scheme, "method": method, "uri": uri, "proof": proof_jws}


def accepted(jkt):
    return {"valid": True, "jkt": jkt}


def refused(dpop_error, reason="invalid"):
    return {"valid": False, "reason": reason, "dpop_error": dpop_error}


def dpop_case(name, token, req, expect, why, now=NOW):
    return {"name": name, "why": why, "now": now, "token": token, "feed": [], "stale": False,
            "request": req, "expect": expect}


def dpop_cases():
    """Cases with a `request`: the Authorization scheme, the request's method and URI, and
    the DPoP proof (or null). Every proof is valid but for what its case changes."""
    tok, tok_ed = bound(JKT_ES), bound(JKT_ED)
    good = sign(es_header(), claims())  # unbound: a bearer token

    def ok(name, why, token=tok, key=CLIENT_ES, uri=URI, **over):
        jkt = thumbprint(key)
        return dpop_case(name, token, request(proof(token, name, key, **over), uri=uri),
                         accepted(jkt), why)

    def bad(name, why, dpop_error="invalid_dpop_proof", token=tok, uri=URI, **over):
        return dpop_case(name, token, request(proof(token, name, **over), uri=uri),
                         refused(dpop_error), why)

    yield ok("dpop_valid_es256", "a bound token under DPoP with an ES256 proof by its key")
    yield ok("dpop_valid_eddsa", "an EdDSA proof by the key of a token bound to it",
             token=tok_ed, key=CLIENT_ED)
    yield dpop_case("dpop_bound_token_as_bearer", tok, request(None, scheme="Bearer"),
                    refused("invalid_token"),
                    "RFC 9449 §7.2: a bound token sent as a bearer token is what a thief sends")
    yield dpop_case("dpop_bound_token_as_bearer_with_proof", tok,
                    request(proof(tok, "bearer-with-proof"), scheme="Bearer"),
                    refused("invalid_token"),
                    "the Bearer scheme says bearer: a proof next to it binds nothing")
    yield dpop_case("dpop_unbound_token_under_dpop", good, request(proof(good, "unbound")),
                    refused("invalid_token"),
                    "a token without cnf under the DPoP scheme: nothing to bind the proof to")
    yield dpop_case("dpop_no_proof", tok, request(None), refused("invalid_dpop_proof"),
                    "Authorization: DPoP without a DPoP header")
    yield bad("dpop_proof_by_another_key", "a valid proof, but by a key the token is not bound "
              "to", "invalid_token", key=OTHER_ES)
    yield bad("dpop_wrong_htm", "htm names another method (compared exactly)", htm="POST")
    yield bad("dpop_htm_lower_case", "RFC 9110 §9.1: methods are case-sensitive", htm="get")
    yield bad("dpop_wrong_htu", "htu names another resource",
              htu="https://api.example/v1/sessions")
    yield bad("dpop_htu_path_case", "the path stays case-sensitive after normalisation",
              htu="https://api.example/v1/ME")
    yield bad("dpop_htu_other_port", "a port that is not the scheme's default is another URI",
              htu="https://api.example:8443/v1/me")
    yield bad("dpop_htu_other_scheme", "http is not https", htu="http://api.example/v1/me")
    yield ok("dpop_htu_request_query", "RFC 9449 §4.3: the request's query is not compared",
             uri=URI + "?page=2&limit=10")
    yield ok("dpop_htu_proof_query_fragment", "nor the query and fragment of htu",
             htu=URI + "?x=1#top")
    yield ok("dpop_htu_default_port_and_case", "RFC 3986 §6.2.2-6.2.3: scheme and host "
             "compare in lower case, the default port as none", htu="HTTPS://API.Example:443/v1/me")
    yield ok("dpop_htu_percent_encoded_unreserved", "RFC 3986 §6.2.2.2: %6D is m",
             htu="https://api.example/v1/%6De")
    yield ok("dpop_iat_window_edge", f"iat = now - {DPOP_WINDOW}: still inside the window",
             iat=NOW - DPOP_WINDOW)
    yield bad("dpop_iat_stale", f"iat = now - {DPOP_WINDOW + 1}: a stale proof",
              iat=NOW - DPOP_WINDOW - 1)
    yield ok("dpop_iat_within_skew", f"iat = now + {DPOP_SKEW}: clock skew allowed",
             iat=NOW + DPOP_SKEW)
    yield bad("dpop_iat_future", f"iat = now + {DPOP_SKEW + 1}: beyond the skew",
              iat=NOW + DPOP_SKEW + 1)
    yield bad("dpop_iat_missing", "iat is required", iat=None)
    yield bad("dpop_jti_missing", "jti is required (the replay check needs it)", jti=None)
    yield bad("dpop_jti_lone_surrogate", "RFC 8259 §8.2: a jti of \\ud800 (an unpaired "
              "surrogate escape) is malformed JSON, refused before it reaches the replay cache",
              jti="\ud800")
    yield ok("dpop_jti_surrogate_pair", "a paired escape (\\ud83d\\ude00) is one character, "
             "U+1F600: a jti like any other", jti="proof-\U0001F600")
    yield ok("dpop_jti_256_bytes", "jti is at most 256 bytes of UTF-8: 128 two-byte "
             "characters fit", jti="\u00e9" * 128)
    yield bad("dpop_jti_over_256_bytes", "129 two-byte characters are 258 bytes: too long "
              "(counted in UTF-8 bytes by every verifier, not characters)", jti="\u00e9" * 129)
    yield bad("dpop_header_lone_surrogate", "the header's JSON is malformed the same way: a "
              "kid (a member no check reads) of \\udc00, an unpaired low surrogate",
              header={"kid": "\udc00"})
    yield bad("dpop_ath_missing", "RFC 9449 §4.3 step 12: a proof with an access token "
              "carries ath", ath=None)
    yield bad("dpop_ath_wrong", "ath is the hash of another token", ath=ath(good))
    yield bad("dpop_alg_none", "none never verifies", header={"alg": "none"}, signer=None)
    yield dpop_case("dpop_alg_hs256", tok,
                    request(proof(tok, "hs256", header={"alg": "HS256"},
                                  signer=json.dumps(public_jwk(CLIENT_ES)).encode())),
                    refused("invalid_dpop_proof"),
                    "RFC 9449 §4.3 step 5: never a MAC (here keyed with the jwk's text)")
    yield bad("dpop_alg_mismatches_jwk", "alg EdDSA over an EC jwk (signed by the Ed25519 "
              "key)", header={"alg": "EdDSA"}, signer=CLIENT_ED)
    yield bad("dpop_typ_jwt", "RFC 9449 §4.2: typ is dpop+jwt", header={"typ": "JWT"})
    yield bad("dpop_typ_missing", "typ is required", header={"typ": None})
    jwk_d = dict(public_jwk(CLIENT_ES),
                 d=b64(CLIENT_ES.private_numbers().private_value.to_bytes(32, "big")))
    yield bad("dpop_jwk_private_d", "RFC 9449 §4.3 step 7: the jwk must be a public key "
              "(its d, though correct, is refused)", header={"jwk": jwk_d})
    yield bad("dpop_jwk_missing", "the proof names its key", header={"jwk": None})
    yield bad("dpop_signed_by_another_key", "RFC 9449 §4.3 step 6: the signature verifies "
              "with the header's jwk, not with some other key", signer=OTHER_ES)
    no_jkt = sign(es_header(), claims(cnf={"x5t#S256": b64(b"\x00" * 32)}))
    yield dpop_case("dpop_cnf_without_jkt_under_dpop", no_jkt,
                    request(proof(no_jkt, "cnf-without-jkt")), refused("invalid_token"),
                    "cnf holds another confirmation method: never a bearer token, and no "
                    "proof can satisfy it here")
    late = NOW + 600 + LEEWAY
    yield dpop_case("dpop_expired_bound_token", tok, request(proof(tok, "expired", now=late)),
                    refused("invalid_token", "expired"),
                    "the token is checked first: a good proof does not revive it", now=late)


def sequences():
    """Stateful checks: one verifier (one replay cache) takes the steps in order."""
    tok = bound(JKT_ES)
    once = proof(tok, "replayed")
    seq = {"token": tok, "feed": [], "stale": False}
    replay = DPOP_WINDOW + DPOP_SKEW
    yield dict(seq, name="dpop_replay", why="RFC 9449 §11.1: a proof is accepted once", steps=[
        {"now": NOW, "request": request(once), "expect": accepted(JKT_ES)},
        {"now": NOW, "request": request(once), "expect": refused("invalid_dpop_proof")},
    ])
    again = proof(tok, "replayed", iat=NOW + 1)
    yield dict(seq, name="dpop_replay_same_jti", why="the (jkt, jti) pair is what counts, not "
               "the proof's bytes", steps=[
        {"now": NOW, "request": request(once), "expect": accepted(JKT_ES)},
        {"now": NOW + 1, "request": request(again), "expect": refused("invalid_dpop_proof")},
    ])
    early = proof(tok, "skewed", iat=NOW + DPOP_SKEW)
    yield dict(seq, name="dpop_replay_remembered_window_plus_skew",
               why=f"a proof dated now + skew still passes the window {replay} s later: it is "
                   "remembered that long", steps=[
        {"now": NOW, "request": request(early), "expect": accepted(JKT_ES)},
        {"now": NOW + replay, "request": request(early), "expect": refused("invalid_dpop_proof")},
    ])
    wrong = proof(tok, "retried", htm="POST")
    right = proof(tok, "retried")
    yield dict(seq, name="dpop_refused_proof_is_not_remembered",
               why="only accepted proofs are recorded: a refused one does not burn its jti",
               steps=[
        {"now": NOW, "request": request(wrong), "expect": refused("invalid_dpop_proof")},
        {"now": NOW, "request": request(right), "expect": accepted(JKT_ES)},
    ])


def main():
    doc = {
        "description": "Conformance vectors for verifiers of jwtd access tokens "
                       "(docs/verifying.md). Written by tests/vectors/generate.py.",
        "params": {"issuer": ISSUER, "audience": AUDIENCE, "access_ttl": ACCESS_TTL,
                   "leeway": LEEWAY, "typ": "at+jwt", "strategies": ["denylist", "version"],
                   "max_token_bytes": 8192,
                   "dpop": {"algs": DPOP_ALGS, "window": DPOP_WINDOW, "skew": DPOP_SKEW}},
        "jwks": {"keys": [jwk_es(ES, ES_KID), jwk_ed(ED, ED_KID)]},
        "cases": list(cases()) + list(dpop_cases()),
        "sequences": list(sequences()),
    }
    with open(VECTORS, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(doc['cases'])} cases and {len(doc['sequences'])} sequences to "
          f"{VECTORS}", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Cross-implementation tests: jwtd (via interop_tool) against PyJWT 2.6 + cryptography.

Usage: /usr/bin/python3 interop_test.py <path to interop_tool>

For every algorithm jwtd implements:
  - a token jwtd signs verifies in PyJWT, with the public PEM and with jwtd's public JWK;
  - a token PyJWT signs with the same key (from the PEM and from jwtd's private JWK) verifies
    in jwtd and yields the same claims;
  - a key made by cryptography (PEM and PyJWT's JWK export) imports into jwtd, and tokens
    cross in both directions with it;
  - jwtd refuses PyJWT-signed tokens whose header alg was changed, whose payload was tampered
    with, whose signature was truncated or flipped, that are expired, that use alg "none",
    and (RFC 8725 §2.1) HS256 tokens keyed with an asymmetric key's public PEM.
Prints one line per check and ends with "N passed, N failed"; exits 1 on any failure.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

import jwt
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ALGS = ["EdDSA", "ES256", "ES384", "RS256", "PS256", "HS256", "HS384", "HS512"]
# A header alg of the same key family that must not verify in place of the real one.
SWAPPED = {"EdDSA": "ES256", "ES256": "ES384", "ES384": "ES256", "RS256": "PS256",
           "PS256": "RS256", "HS256": "HS512", "HS384": "HS256", "HS512": "HS384"}
ISS, AUD = "https://auth.example.test", "api"

TOOL = sys.argv[1] if len(sys.argv) > 1 else ""
results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(f"{'PASS' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}", flush=True)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tool(*args):
    return subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60)


def claims(exp_delta=900):
    now = int(time.time())
    return {"iss": ISS, "sub": "user-123", "aud": AUD, "exp": now + exp_delta, "iat": now,
            "nbf": now, "jti": b64u(os.urandom(16)), "sid": b64u(os.urandom(16)), "ver": 3,
            "scope": "read write"}


class KeyDir:
    """A jwtd key directory written by `interop_tool gen|import`, seen from Python."""

    def __init__(self, alg, path):
        self.alg, self.path = alg, path
        self.jwk = json.load(open(os.path.join(path, "key.jwk")))
        self.public_jwk = json.load(open(os.path.join(path, "public.jwk")))
        self.kid = self.jwk["kid"]
        if alg.startswith("HS"):
            self.sign_key = self.verify_key = unb64u(self.jwk["k"])
        else:
            self.sign_key = open(os.path.join(path, "private.pem"), "rb").read()
            self.verify_key = open(os.path.join(path, "public.pem"), "rb").read()

    def jwtd_sign(self, payload):
        r = tool("sign", self.path, json.dumps(payload, separators=(",", ":")))
        return r.stdout.strip() if r.returncode == 0 else None

    def jwtd_verify(self, token):
        r = tool("verify", self.path, token)
        return r.returncode, r.stdout.strip(), r.stderr.strip()

    def pyjwt_sign(self, payload, key=None, headers=None):
        return jwt.encode(payload, key if key is not None else self.sign_key,
                          algorithm=self.alg, headers=headers or {"kid": self.kid})

    def pyjwt_verify(self, token, key=None):
        return jwt.decode(token, key if key is not None else self.verify_key,
                          algorithms=[self.alg], audience=AUD, issuer=ISS)


def jwtd_to_pyjwt(k: KeyDir):
    c = claims()
    token = k.jwtd_sign(c)
    check(f"{k.alg}: jwtd signs", token is not None)
    if token is None:
        return
    header = jwt.get_unverified_header(token)
    check(f"{k.alg}: jwtd header is alg/typ at+jwt/kid",
          header == {"alg": k.alg, "typ": "at+jwt", "kid": k.kid}, repr(header))
    for label, key in (("PEM/secret", None), ("jwtd public JWK", jwt.PyJWK(k.public_jwk).key)):
        try:
            check(f"{k.alg}: PyJWT verifies jwtd token ({label})", k.pyjwt_verify(token, key) == c)
        except jwt.PyJWTError as e:
            check(f"{k.alg}: PyJWT verifies jwtd token ({label})", False, repr(e))


def pyjwt_to_jwtd(k: KeyDir):
    for label, key in (("PEM/secret", None), ("jwtd private JWK", jwt.PyJWK(k.jwk).key)):
        c = claims()
        code, out, err = k.jwtd_verify(k.pyjwt_sign(c, key))
        ok = code == 0 and json.loads(out) == c
        check(f"{k.alg}: jwtd verifies PyJWT token ({label})", ok, f"exit {code}: {err}")


def expect_refused(k: KeyDir, name, token, reasons):
    code, _, err = k.jwtd_verify(token)
    reason = err.rsplit(": ", 1)[-1]
    check(f"{k.alg}: jwtd refuses {name}", code == 1 and reason in reasons,
          f"exit {code}, reason {err!r}")


def negatives(k: KeyDir):
    token = k.pyjwt_sign(claims())
    h, p, s = token.split(".")
    header = json.loads(unb64u(h))
    header["alg"] = SWAPPED[k.alg]
    expect_refused(k, f"header alg changed to {SWAPPED[k.alg]}",
                   f"{b64u(json.dumps(header).encode())}.{p}.{s}", {"alg_mismatch"})
    tampered = json.loads(unb64u(p))
    tampered["sub"] = "admin"
    expect_refused(k, "tampered payload", f"{h}.{b64u(json.dumps(tampered).encode())}.{s}",
                   {"bad_signature"})
    sig = bytearray(unb64u(s))
    expect_refused(k, "truncated signature", f"{h}.{p}.{b64u(bytes(sig[:-1]))}",
                   {"bad_signature"})
    sig[len(sig) // 2] ^= 0x01
    expect_refused(k, "flipped signature bit", f"{h}.{p}.{b64u(bytes(sig))}", {"bad_signature"})
    expect_refused(k, "expired token", k.pyjwt_sign(claims(exp_delta=-3600)), {"token_expired"})
    none_header = b64u(json.dumps({"alg": "none", "kid": k.kid}).encode())
    expect_refused(k, "alg none", f"{none_header}.{p}.", {"alg_none"})
    if not k.alg.startswith("HS"):
        # RFC 8725 §2.1: the public key must never be usable as an HMAC secret.
        conf_h = b64u(json.dumps({"alg": "HS256", "typ": "JWT", "kid": k.kid}).encode())
        mac = hmac.HMAC(k.verify_key, hashes.SHA256())
        mac.update(f"{conf_h}.{p}".encode())
        expect_refused(k, "HS256 keyed with its public PEM",
                       f"{conf_h}.{p}.{b64u(mac.finalize())}", {"alg_mismatch"})


def foreign_key(alg):
    """A private key made by cryptography for `alg`, and its PyJWT algorithm object."""
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate(), jwt.algorithms.OKPAlgorithm()
    if alg in ("ES256", "ES384"):
        curve = ec.SECP256R1() if alg == "ES256" else ec.SECP384R1()
        return ec.generate_private_key(curve), jwt.algorithms.ECAlgorithm(hashes.SHA256)
    if alg in ("RS256", "PS256"):
        cls = jwt.algorithms.RSAAlgorithm if alg == "RS256" else jwt.algorithms.RSAPSSAlgorithm
        return rsa.generate_private_key(65537, 2048), cls(hashes.SHA256)
    return os.urandom(64), jwt.algorithms.HMACAlgorithm(hashes.SHA256)


def foreign_keys(alg, tmp):
    priv, algo = foreign_key(alg)
    if alg.startswith("HS"):
        # jwtd refuses an oct JWK without a kid (a thumbprint would publish a hash of the secret).
        sources = {"JWK": json.dumps({**json.loads(algo.to_jwk(priv)), "kid": f"py-{alg}"})}
        verify_key = priv
    else:
        pem = priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
        sources = {"PEM": pem, "public JWK": algo.to_jwk(priv.public_key())}
        verify_key = priv.public_key()
    for label, text in sources.items():
        src = os.path.join(tmp, f"foreign-{alg}-{label.replace(' ', '_')}.key")
        open(src, "w").write(text)
        out = os.path.join(tmp, f"foreign-{alg}-{label.replace(' ', '_')}")
        r = tool("import", alg, src, out)
        check(f"{alg}: jwtd imports a cryptography key ({label})", r.returncode == 0, r.stderr)
        if r.returncode != 0:
            continue
        k = KeyDir.__new__(KeyDir)
        k.alg, k.path, k.kid = alg, out, json.load(open(os.path.join(out, "public.jwk")))["kid"]
        c = claims()
        code, got, err = k.jwtd_verify(jwt.encode(c, priv, algorithm=alg,
                                                  headers={"kid": k.kid}))
        check(f"{alg}: jwtd verifies PyJWT token with imported key ({label})",
              code == 0 and json.loads(got) == c, f"exit {code}: {err}")
        if os.path.exists(os.path.join(out, "private.pem")) or alg.startswith("HS"):
            token = k.jwtd_sign(c)
            try:
                ok = token is not None and jwt.decode(token, verify_key, algorithms=[alg],
                                                      audience=AUD, issuer=ISS) == c
                check(f"{alg}: PyJWT verifies jwtd token from imported key ({label})", ok)
            except jwt.PyJWTError as e:
                check(f"{alg}: PyJWT verifies jwtd token from imported key ({label})", False,
                      repr(e))


def main():
    if not TOOL or not os.access(TOOL, os.X_OK):
        print("usage: interop_test.py <interop_tool>", file=sys.stderr)
        return 2
    print(f"PyJWT {jwt.__version__}")
    with tempfile.TemporaryDirectory(prefix="jwtd-interop-") as tmp:
        for alg in ALGS:
            path = os.path.join(tmp, alg)
            r = tool("gen", alg, path)
            check(f"{alg}: interop_tool gen", r.returncode == 0, r.stderr)
            if r.returncode != 0:
                continue
            k = KeyDir(alg, path)
            jwtd_to_pyjwt(k)
            pyjwt_to_jwtd(k)
            negatives(k)
            foreign_keys(alg, tmp)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())

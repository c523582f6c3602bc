#!/usr/bin/python3
"""A Shared Signals push receiver (RFC 8935) for jwtd's integration tests.

Verifies every SET POSTed to it with PyJWT against jwtd's JWKS (signature, typ secevent+jwt,
iss, aud) and appends its claims, one JSON object a line, to --out; answers 202. A SET that fails
verification is answered 400 and its error appended to --out + ".rejected". Prints
"listening on PORT" once bound.
"""
import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jwks-url", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--audience", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    jwks = jwt.PyJWKClient(args.jwks_url, cache_keys=True)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):  # quiet: the test reads --out
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            try:
                if self.headers.get("Content-Type") != "application/secevent+jwt":
                    raise ValueError("content type " + str(self.headers.get("Content-Type")))
                if jwt.get_unverified_header(body).get("typ") != "secevent+jwt":
                    raise ValueError("typ is not secevent+jwt")
                key = jwks.get_signing_key_from_jwt(body)
                claims = jwt.decode(body, key.key, algorithms=["ES256", "EdDSA", "RS256"],
                                    audience=args.audience, issuer=args.issuer,
                                    options={"require": ["iat", "jti", "iss", "aud"]})
            except Exception as e:  # any failure is the transmitter's bug: record it
                with open(args.out + ".rejected", "a") as f:
                    f.write(json.dumps({"error": str(e)}) + "\n")
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"err":"invalid_request"}')
                return
            with open(args.out, "a") as f:
                f.write(json.dumps(claims) + "\n")
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

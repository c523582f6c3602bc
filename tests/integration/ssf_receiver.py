#!/usr/bin/python3
"""A Shared Signals push receiver (RFC 8935) for jwtd's integration tests.

Verifies every SET POSTed to it with PyJWT against jwtd's JWKS (signature, typ secevent+jwt,
iss, aud) and appends its claims, one JSON object a line, to --out; answers 202. A SET that fails
verification is answered 400 and its error appended to --out + ".rejected". Speaks HTTP/1.1
with keep-alive, as a production receiver would (jwtd keeps one connection per stream open), and
appends a line per connection it accepts to --out + ".connections".
Prints "listening on PORT" once bound.
"""
import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jwks-url", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--audience", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--idle-timeout", type=float, default=None,
                    help="close a connection idle this many seconds (default: never)")
    args = ap.parse_args()
    jwks = jwt.PyJWKClient(args.jwks_url, cache_keys=True)
    out = open(args.out, "a")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = args.idle_timeout

        def setup(self):  # one line per connection accepted, so tests see keep-alive at work
            super().setup()
            with lock:
                with open(args.out + ".connections", "a") as f:
                    f.write("%s:%d\n" % self.client_address)

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
                answer = b'{"err":"invalid_request"}'
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                return
            with lock:  # one line per SET, whole, and in the file before the 202
                out.write(json.dumps(claims) + "\n")
                out.flush()
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

"""The recorded history: one JSON object per line, every time in seconds since the campaign
started (monotonic clock of the harness), plus the harness's wall clock for expiry checks.

Tokens never enter the history: an access token is named by its jti (and its sid/sub/ver
claims), a refresh token by the first 16 hex digits of its SHA-256.
"""

import hashlib
import json
import threading
import time


def rt_name(refresh_token):
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16]


class History:
    def __init__(self, path):
        self.t0 = time.monotonic()
        self.lock = threading.Lock()
        self.records = []
        self.file = open(path, "w")

    def now(self):
        return round(time.monotonic() - self.t0, 6)

    def add(self, record):
        record.setdefault("wall", round(time.time(), 3))
        with self.lock:
            record["i"] = len(self.records)
            self.records.append(record)
            self.file.write(json.dumps(record, sort_keys=True) + "\n")
        return record

    def close(self):
        with self.lock:
            self.file.flush()
            self.file.close()


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]

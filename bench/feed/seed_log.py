"""Writes N live session entries into a stopped jwtd's SQLite revocation log (the benchmark's
catch-up case: a log as a busy deployment holds it). Usage: seed_log.py DB N"""
import os
import sqlite3
import sys
import time

db, n = sys.argv[1], int(sys.argv[2])
now = int(time.time())
con = sqlite3.connect(db)
with con:
    con.executemany(
        "INSERT INTO revocations(kind, key, value, expires_at, created_at) VALUES (2, ?, 0, ?, ?)",
        ((os.urandom(16).hex()[:22], now + 3600, now) for _ in range(n)))
con.close()

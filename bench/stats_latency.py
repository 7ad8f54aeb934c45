#!/usr/bin/env python3
"""Latency of a GET over one keep-alive connection (default: /v1/reception/stats/live).

Usage: stats_latency.py BASE_URL COOKIE REQUESTS [PATH [WARM_UP]]
Prints the median, p99 and max in milliseconds (after WARM_UP requests, default 50).
"""
import http.client
import statistics
import sys
import time
import urllib.parse

base, cookie, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
path = sys.argv[4] if len(sys.argv) > 4 else "/v1/reception/stats/live"
warm_up = int(sys.argv[5]) if len(sys.argv) > 5 else 50
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port)
headers = {"Cookie": cookie}


def once() -> float:
    t = time.perf_counter()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"{path} answered {r.status}: {body[:200]!r}")
    return (time.perf_counter() - t) * 1000


for _ in range(warm_up):
    once()
samples = sorted(once() for _ in range(n))
p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
print(f"{statistics.median(samples):.2f} {p99:.2f} {samples[-1]:.2f}")

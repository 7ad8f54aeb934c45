#!/usr/bin/env python3
"""A burst of parallel failed logins against a running server, on loopback only.

Usage: login_burst.py BASE_URL SERVER_PID [LOGINS]

Sends LOGINS (default 300) logins at once, each with a different unknown username (what
avoids a per-username lock), while it samples the server's resident memory every 20 ms
and times GET /health every 50 ms from a process of its own (so that the 300 client
threads do not delay the probe). Prints the idle and peak RSS, the peak above idle,
the median and worst /health latency during the burst, and how the logins were
answered (status codes). Bounded: one thread per login, each with a 60 s timeout.
"""
import collections
import http.client
import multiprocessing
import statistics
import sys
import threading
import time
import urllib.parse

base, pid = sys.argv[1], int(sys.argv[2])
logins = int(sys.argv[3]) if len(sys.argv) > 3 else 300
u = urllib.parse.urlparse(base)
if u.hostname not in ("127.0.0.1", "localhost", "::1"):
    raise SystemExit("loopback only")


def rss_kb() -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


done = threading.Event()
peak = [0]
statuses: collections.Counter = collections.Counter()
lock = threading.Lock()


def sample_memory() -> None:
    while not done.is_set():
        peak[0] = max(peak[0], rss_kb())
        time.sleep(0.02)


def sample_health(stop, out) -> None:
    times = []
    while not stop.is_set():
        t = time.perf_counter()
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            c.request("GET", "/health")
            c.getresponse().read()
            c.close()
        except OSError:
            pass
        times.append((time.perf_counter() - t) * 1000)
        time.sleep(0.05)
    out.send(times)


start = threading.Barrier(logins + 1)


def login(i: int) -> None:
    body = '{"username":"inconnu-%d-%d","password":"pas-le-bon-mot-de-passe"}' % (i, time.time_ns())
    start.wait()
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        c.request("POST", "/v1/auth/login", body=body, headers={"Content-Type": "application/json"})
        status = c.getresponse().status
        c.close()
    except OSError as e:
        status = type(e).__name__
    with lock:
        statuses[status] += 1


idle = rss_kb()
stop_probe = multiprocessing.Event()
receive, send = multiprocessing.Pipe(duplex=False)
probe = multiprocessing.Process(target=sample_health, args=(stop_probe, send))
probe.start()
threads = [threading.Thread(target=login, args=(i,)) for i in range(logins)]
for t in threads:
    t.start()
memory = threading.Thread(target=sample_memory)
memory.start()
t0 = time.perf_counter()
start.wait()
for t in threads:
    t.join()
elapsed = time.perf_counter() - t0
done.set()
stop_probe.set()
memory.join()
health_ms = receive.recv()
probe.join()

print(f"logins            {logins} in {elapsed:.1f} s: {dict(statuses)}")
print(f"RSS idle          {idle / 1024:.0f} MB")
print(f"RSS peak          {peak[0] / 1024:.0f} MB (+{(peak[0] - idle) / 1024:.0f} MB above idle)")
if health_ms:
    print(f"/health           median {statistics.median(health_ms):.1f} ms, max {max(health_ms):.1f} ms over {len(health_ms)} probes")

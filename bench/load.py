#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# bench/load.py URL REQUESTS CONCURRENCY [HEADER...]
# A small closed-loop load generator: CONCURRENCY clients, each sending GET requests one after
# another on a fresh connection (vumaerp-api closes after one answer, as it is built to), until
# REQUESTS are done. Prints one JSON line: p50/p95/max latency in ms, requests per second, and
# how many answers were not 200.
import json
import socket
import sys
import threading
import time
from urllib.parse import urlsplit

url, total, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
headers = sys.argv[4:]
u = urlsplit(url)
target = u.path + ("?" + u.query if u.query else "")
request = ("GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n" % (
    target, u.netloc, "".join(h + "\r\n" for h in headers))).encode()
addr = (u.hostname, u.port)

lock = threading.Lock()
latencies, errors, remaining = [], [0], [total]


def one():
    t0 = time.perf_counter()
    s = socket.create_connection(addr)
    s.sendall(request)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return time.perf_counter() - t0, data.startswith(b"HTTP/1.1 200 ")


def worker():
    while True:
        with lock:
            if remaining[0] == 0:
                return
            remaining[0] -= 1
        dt, ok = one()
        with lock:
            latencies.append(dt)
            if not ok:
                errors[0] += 1


for _ in range(3):  # warm the page cache and the dynamic linker's files
    one()
start = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(conc)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.perf_counter() - start
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000


print(json.dumps({"p50_ms": round(pct(0.50), 2), "p95_ms": round(pct(0.95), 2),
                  "max_ms": round(latencies[-1] * 1000, 2), "rps": round(len(latencies) / elapsed, 1),
                  "non_200": errors[0], "requests": len(latencies)}))

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# bench/timeit.py RUNS COMMAND [ARGS...]: runs COMMAND RUNS times (stdin /dev/null, output
# and log lines discarded) and prints {"p50_ms":…, "p95_ms":…}. It must exit 0 every time.
import json
import subprocess
import sys
import time

runs, cmd = int(sys.argv[1]), sys.argv[2:]
ts = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    ts.append((time.perf_counter() - t) * 1000)
ts.sort()
print(json.dumps({"p50_ms": round(ts[len(ts) // 2], 2), "p95_ms": round(ts[min(len(ts) - 1, int(len(ts) * 0.95))], 2)}))

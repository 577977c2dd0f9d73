#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# bench/peakrss.py INPUT-FILE COMMAND [ARGS...]
# Runs COMMAND with INPUT-FILE on stdin and prints the peak resident memory, in KiB, of the
# largest process among it and every descendant it waited for (getrusage RUSAGE_CHILDREN: the
# kernel folds grandchildren's peaks into their parent's), and its exit status.
import json
import resource
import subprocess
import sys

with open(sys.argv[1], "rb") as f:
    p = subprocess.run(sys.argv[2:], stdin=f, stdout=subprocess.DEVNULL)
print(json.dumps({"maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "exit": p.returncode}))

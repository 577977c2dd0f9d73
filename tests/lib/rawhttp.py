#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# rawhttp.py PORT [--pause-after N SECONDS] < request-bytes
# Sends raw bytes to 127.0.0.1:PORT (for requests curl will not send: malformed, trickled,
# pipelined) and prints everything the server answers until it closes. With --pause-after, it
# sends the first N bytes and then waits up to SECONDS for an answer before sending the rest, to
# prove the receive deadline.
import select
import socket
import sys

port = int(sys.argv[1])
data = sys.stdin.buffer.read()
pause_at, pause_for = None, 0.0
if len(sys.argv) > 2 and sys.argv[2] == "--pause-after":
    pause_at, pause_for = int(sys.argv[3]), float(sys.argv[4])

s = socket.create_connection(("127.0.0.1", port), timeout=30)
if pause_at is None:
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
else:
    s.sendall(data[:pause_at])
    ready, _, _ = select.select([s], [], [], pause_for)
    if not ready:
        s.sendall(data[pause_at:])
out = b""
while True:
    try:
        chunk = s.recv(65536)
    except (ConnectionResetError, socket.timeout):
        break
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(out)

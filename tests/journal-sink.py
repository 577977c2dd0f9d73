#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""journal-sink.py: a stand-in for journald's native socket, for tests/journal.sh.

Runs one command and records what it logged:
  journal-sink.py --out DIR [--socket PATH] [--journal-stream match|mismatch] -- CMD [ARG...]

--socket PATH   bind an AF_UNIX datagram socket there (removed again at the end) and parse every
                datagram as journald does: "KEY=value\\n", or "KEY\\n" + little-endian 64-bit length
                + data + "\\n"; an entry may instead come as a file descriptor (a sealed memfd,
                passed with SCM_RIGHTS) when it was too big for a datagram.
--journal-stream
                connect the command's stderr to a unix stream socket, as systemd does, and set
                $JOURNAL_STREAM to its "DEV:INO" (match) or to another socket's (mismatch).
                Without it stderr is a pipe and $JOURNAL_STREAM is unset.

DIR gets: rc, stdout, stderr, and entries/N/KEY holding each field's raw value (a key sent twice
becomes KEY, KEY.2, ...); entries/N/INVALID names anything that journald would reject.
"""
import argparse
import array
import os
import re
import socket
import struct
import subprocess
import sys
import threading

KEY_RE = re.compile(rb"^[A-Z0-9_]{1,64}$")


def parse_entry(data):
    """Fields of one native-protocol entry, in order; raises ValueError on malformed data."""
    fields = []
    i = 0
    while i < len(data):
        nl = data.find(b"\n", i)
        line = data[i:] if nl < 0 else data[i:nl]
        after = len(data) if nl < 0 else nl + 1
        if line == b"":
            i = after
            continue
        eq = line.find(b"=")
        if eq >= 0:
            key, value = line[:eq], line[eq + 1:]
            i = after
        else:
            key = line
            if nl < 0 or after + 8 > len(data):
                raise ValueError("binary field %r without a length" % key)
            (n,) = struct.unpack("<Q", data[after:after + 8])
            start = after + 8
            value = data[start:start + n]
            if len(value) != n or data[start + n:start + n + 1] != b"\n":
                raise ValueError("binary field %r: bad length or missing newline" % key)
            i = start + n + 1
        fields.append((key, value))
    return fields


def receive(sock, entries, errors, stop):
    """Collects datagrams until stop is set and the queue is empty."""
    fd_size = array.array("i").itemsize
    while True:
        try:
            sock.settimeout(0 if stop.is_set() else 0.1)
            msg, anc, flags, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(4 * fd_size))
        except (BlockingIOError, socket.timeout):
            if stop.is_set():
                return
            continue
        try:
            fds = array.array("i")
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                    fds.frombytes(cdata[:len(cdata) - (len(cdata) % fd_size)])
            if flags & socket.MSG_TRUNC:
                raise ValueError("datagram truncated")
            if fds:
                if msg or len(fds) != 1:
                    raise ValueError("an fd entry carries data or several fds")
                chunks = []
                offset = 0
                while True:
                    chunk = os.pread(fds[0], 1 << 20, offset)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    offset += len(chunk)
                msg = b"".join(chunks)
                entries.append(("memfd", parse_entry(msg)))
            else:
                entries.append(("datagram", parse_entry(msg)))
        except ValueError as e:
            errors.append(str(e))
        finally:
            for fd in fds:
                os.close(fd)


def drain(fd, into):
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        into.append(chunk)
    os.close(fd)


def write_entries(out, entries):
    base = os.path.join(out, "entries")
    os.makedirs(base)
    for n, (how, fields) in enumerate(entries):
        d = os.path.join(base, str(n))
        os.makedirs(d)
        invalid = []
        seen = {}
        for key, value in fields:
            if not KEY_RE.match(key) or key.startswith(b"_"):
                invalid.append(key)
                continue
            k = key.decode()
            seen[k] = seen.get(k, 0) + 1
            name = k if seen[k] == 1 else "%s.%d" % (k, seen[k])
            with open(os.path.join(d, name), "wb") as f:
                f.write(value)
        with open(os.path.join(d, "TRANSPORT"), "w") as f:
            f.write(how)
        if invalid:
            with open(os.path.join(d, "INVALID"), "wb") as f:
                f.write(b"\n".join(invalid))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--socket")
    ap.add_argument("--journal-stream", choices=["match", "mismatch"])
    ap.add_argument("cmd", nargs="+")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)

    sock = None
    entries, errors, stop = [], [], threading.Event()
    if args.socket:
        if os.path.exists(args.socket):
            os.unlink(args.socket)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(args.socket)
    receiver = threading.Thread(target=receive, args=(sock, entries, errors, stop)) if sock else None

    other = None
    if args.journal_stream:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        st = os.fstat(theirs.fileno())
        if args.journal_stream == "match":
            env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        else:
            other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            so = os.fstat(other.fileno())
            env["JOURNAL_STREAM"] = "%d:%d" % (so.st_dev, so.st_ino)
        read_fd, child_stderr = ours.detach(), theirs.detach()
    else:
        read_fd, child_stderr = os.pipe()

    err_chunks = []
    reader = threading.Thread(target=drain, args=(read_fd, err_chunks))
    reader.start()
    if receiver:
        receiver.start()
    with open(os.path.join(args.out, "stdout"), "wb") as stdout:
        proc = subprocess.Popen(args.cmd, stdout=stdout, stderr=child_stderr, env=env,
                                stdin=subprocess.DEVNULL)
        os.close(child_stderr)
        rc = proc.wait()
    reader.join()
    if receiver:
        stop.set()
        receiver.join()
        sock.close()
        os.unlink(args.socket)
    if other:
        other.close()

    with open(os.path.join(args.out, "rc"), "w") as f:
        f.write("%d\n" % rc)
    with open(os.path.join(args.out, "stderr"), "wb") as f:
        f.write(b"".join(err_chunks))
    write_entries(args.out, entries)
    if errors:
        sys.stderr.write("journal-sink: malformed entries: %s\n" % "; ".join(errors))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

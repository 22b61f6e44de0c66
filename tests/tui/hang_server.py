#!/usr/bin/python3
"""A server that never answers, on 127.0.0.1 and a free port: `hang_server.py MODE`.

backlog: a listening socket whose accept queue is filled with connections it never accepts,
so Linux drops later SYNs and a client's connect hangs (a dead host, on loopback).
silent: accepts connections and never sends a byte (no greeting, no TLS ServerHello).
starttls: greets, offers STARTTLS, answers it with 220, then never answers the ClientHello.
Prints "PORT n" once ready; exits after 120 s (or when killed), closing everything.
"""
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import testlib  # noqa: E402


def backlog():
    """Listen with a full accept queue; return the sockets to keep open."""
    lsock = testlib.listen(backlog=0)
    port = lsock.getsockname()[1]
    keep = [lsock]
    for _ in range(8):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        keep.append(c)
        _, w, _ = select.select([], [c], [], 0.3)
        if not w:
            return port, keep
    print("FULL-BACKLOG-DOES-NOT-STALL", flush=True)
    sys.exit(3)


def silent():
    """Accept and hold every connection, never writing."""
    lsock = testlib.listen(backlog=8)
    return lsock.getsockname()[1], [lsock]


def starttls(conn):
    """Greet, offer STARTTLS, say 220 to it, then read and never answer."""
    conn.sendall(b"220 hang.test ESMTP\r\n")
    for line in testlib.command_lines(conn):
        verb = line.split(b" ", 1)[0].upper()
        if verb in (b"EHLO", b"HELO"):
            conn.sendall(b"250-hang.test\r\n250 STARTTLS\r\n")
        elif verb == b"STARTTLS":
            conn.sendall(b"220 go ahead\r\n")
            while conn.recv(4096):
                pass
            return
        else:
            conn.sendall(b"250 ok\r\n")


def main():
    mode = sys.argv[1]
    port, keep = backlog() if mode == "backlog" else silent()
    if mode not in ("backlog", "silent", "starttls"):
        sys.exit("unknown mode %s" % mode)
    print("PORT %d" % port, flush=True)
    end = time.time() + 120
    while time.time() < end:
        r, _, _ = select.select([keep[0]] if mode != "backlog" else [], [], [], 0.5)
        if r:
            conn, _ = keep[0].accept()
            keep.append(conn)
            if mode == "starttls":
                starttls(conn)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A hostile SMTP server for the explorer's tests: every reply carries terminal escape
sequences (a window title change, clear screen, cursor moves, colours, a C1 CSI, a bidi
override, a bell). Listens on 127.0.0.1, port 0, prints "PORT n"; serves connections one
after the other until --lifetime seconds have passed.
"""
import argparse
import socket
import sys
import time

EVIL = (b"\x1b]0;PWNED-TITLE\x07\x1b]2;PWNED-TITLE\x1b\\\x1b[2J\x1b[H\x1b[10;10H"
        b"\x1b[31mRED\x1b[0m\x9b2J\xe2\x80\xae\x07")


def reply(conn, line):
    conn.sendall(line + b"\r\n")


def serve(conn):
    conn.settimeout(30)
    reply(conn, b"220 evil.test " + EVIL + b" ESMTP")
    buf = b""
    while True:
        try:
            data = conn.recv(4096)
        except OSError:
            return
        if not data:
            return
        buf += data
        while b"\r\n" in buf:
            line, buf = buf.split(b"\r\n", 1)
            verb = line.split(b" ", 1)[0].upper()
            if verb in (b"EHLO", b"HELO"):
                conn.sendall(b"250-evil.test " + EVIL + b"\r\n250-X-EVIL " + EVIL +
                             b"\r\n250 PIPELINING\r\n")
            elif verb == b"QUIT":
                reply(conn, b"221 bye " + EVIL)
                return
            else:
                reply(conn, b"250 2.0.0 ok " + EVIL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifetime", type=float, default=60.0)
    args = ap.parse_args()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    s.settimeout(1.0)
    print("PORT %d" % s.getsockname()[1], flush=True)
    end = time.time() + args.lifetime
    while time.time() < end:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        with conn:
            serve(conn)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A hostile SMTP server for the explorer's tests: every reply carries terminal escape
sequences (a window title change, clear screen, cursor moves, colours, a C1 CSI, a bidi
override, a bell). Listens on 127.0.0.1, port 0, prints "PORT n"; serves connections one
after the other until --lifetime seconds have passed.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import testlib  # noqa: E402

EVIL = (b"\x1b]0;PWNED-TITLE\x07\x1b]2;PWNED-TITLE\x1b\\\x1b[2J\x1b[H\x1b[10;10H"
        b"\x1b[31mRED\x1b[0m\x9b2J\xe2\x80\xae\x07")


def reply(conn, line):
    conn.sendall(line + b"\r\n")


def serve(conn, end):
    conn.settimeout(30)
    reply(conn, b"220 evil.test " + EVIL + b" ESMTP")
    for line in testlib.command_lines(conn, quiet=True):
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
    s = testlib.listen(backlog=4)
    testlib.report_port(s)
    testlib.serve_for(s, args.lifetime, serve)
    return 0


if __name__ == "__main__":
    sys.exit(main())

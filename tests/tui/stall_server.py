#!/usr/bin/python3
"""An SMTP server for the composer's tests that stops reading after 354: the client's
message fills the socket buffers and stays in flight until the test kills this server
(a connection dropped in the middle of sending). Listens on 127.0.0.1, port 0, prints
"PORT n"; a small receive buffer keeps the bytes in flight few. Ends after --lifetime.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import testlib  # noqa: E402


def serve(conn, lifetime_end):
    conn.sendall(b"220 stall.test ESMTP\r\n")
    for line in testlib.command_lines(conn):
        verb = line.split(b" ", 1)[0].upper()
        if verb in (b"EHLO", b"HELO"):
            conn.sendall(b"250-stall.test\r\n250 8BITMIME\r\n")
        elif verb == b"DATA":
            conn.sendall(b"354 go ahead\r\n")
            # Never read again: the message stays in flight.
            while time.time() < lifetime_end:
                time.sleep(0.2)
            return
        elif verb == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"250 ok\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifetime", type=float, default=90.0)
    args = ap.parse_args()
    s = testlib.listen(backlog=1, rcvbuf=4096)
    testlib.report_port(s)
    testlib.serve_for(s, args.lifetime, serve)
    return 0


if __name__ == "__main__":
    sys.exit(main())

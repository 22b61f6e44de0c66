#!/usr/bin/python3
"""An SMTP server for the composer's tests that stops reading after 354: the client's
message fills the socket buffers and stays in flight until the test kills this server
(a connection dropped in the middle of sending). Listens on 127.0.0.1, port 0, prints
"PORT n"; a small receive buffer keeps the bytes in flight few. Ends after --lifetime.
"""
import argparse
import socket
import sys
import time


def serve(conn, lifetime_end):
    conn.sendall(b"220 stall.test ESMTP\r\n")
    buf = b""
    while True:
        data = conn.recv(4096)
        if not data:
            return
        buf += data
        while b"\r\n" in buf:
            line, buf = buf.split(b"\r\n", 1)
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
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    print("PORT %d" % s.getsockname()[1], flush=True)
    end = time.time() + args.lifetime
    s.settimeout(1.0)
    while time.time() < end:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        with conn:
            serve(conn, end)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A scripted SMTP server that misbehaves on purpose, for the ehlo send tests.

It listens on 127.0.0.1 on a port the kernel picks, prints "PORT n", serves one
connection and exits. By default it behaves (220, EHLO with PIPELINING and 8BITMIME,
250 to MAIL and RCPT, 354 to DATA, 250 to the dot, 221 to QUIT); options change one
step. Everything the client sent is written to --log, so a test can check what was
(and was not) sent. It gives up after --lifetime seconds whatever happens.
"""
import argparse
import signal
import socket
import sys

DEFAULT_REPLIES = {
    "EHLO": b"250-bad.test hello\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n",
    "HELO": b"250 bad.test hello\r\n",
    "MAIL": b"250 2.1.0 Ok\r\n",
    "RCPT": b"250 2.1.5 Ok\r\n",
    "DATA": b"354 End data with <CR><LF>.<CR><LF>\r\n",
    "DOT": b"250 2.0.0 Ok: queued\r\n",
    "RSET": b"250 2.0.0 Ok\r\n",
    "NOOP": b"250 2.0.0 Ok\r\n",
    "QUIT": b"221 2.0.0 Bye\r\n",
    "STARTTLS": b"454 4.7.0 TLS not available\r\n",
    "AUTH": b"535 5.7.8 Authentication failed\r\n",
}


class Conn:
    """One client connection with a receive buffer and a log of what the client sent."""

    def __init__(self, sock, log):
        self.sock = sock
        self.buf = b""
        self.log = log

    def recv_more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        if self.log:
            self.log.write(data)
            self.log.flush()
        self.buf += data

    def line(self):
        while b"\n" not in self.buf:
            self.recv_more()
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def data(self, drop_after):
        """Read the message up to the final dot; with drop_after, close after that many bytes."""
        got = 0
        while True:
            end = self.buf.find(b"\r\n.\r\n")
            if end < 0 and self.buf.startswith(b".\r\n"):
                self.buf = self.buf[3:]
                return
            if end >= 0:
                self.buf = self.buf[end + 5:]
                return
            if drop_after is not None and got + len(self.buf) >= drop_after:
                raise ConnectionAbortedError
            got += max(0, len(self.buf) - 4)
            self.buf = self.buf[-4:]
            self.recv_more()

    def send(self, data):
        self.sock.sendall(data)


def unescape(text):
    return text.encode("utf-8").decode("unicode_escape").encode("latin-1")


def serve(conn, args):
    if args.silent:
        while True:
            conn.recv_more()
    conn.send(unescape(args.greeting))
    if args.greeting.startswith(("421", "554")) and not args.stay:
        return
    replies = dict(DEFAULT_REPLIES)
    for item in args.reply:
        cmd, _, text = item.partition("=")
        replies[cmd.upper()] = unescape(text)
    if args.huge_reply:
        replies[args.huge_reply.upper()] = None
    seen = {}
    while True:
        line = conn.line()
        verb = line.split(b" ", 1)[0].decode("latin-1").upper()
        seen[verb] = seen.get(verb, 0) + 1
        nth = "%s#%d" % (verb, seen[verb])
        if nth in replies:
            conn.send(replies[nth])
            continue
        if verb not in replies:
            conn.send(b"502 5.5.2 Command not recognized\r\n")
            continue
        if verb == args.hang_after:
            while True:  # no reply, no close: only the client's timeout ends this
                signal.pause()
        if replies[verb] is None:
            chunk = b"x" * 65536
            conn.send(b"250 ")
            for _ in range(16):
                conn.send(chunk)
            conn.send(b"\r\n")
            continue
        if verb == "MAIL" and args.batch_out:
            # A pipelining client has sent RCPT and DATA without waiting for this reply.
            conn.sock.settimeout(1.0)
            try:
                while b"DATA\r\n" not in conn.buf:
                    conn.recv_more()
            except socket.timeout:
                pass
            conn.sock.settimeout(None)
            with open(args.batch_out, "w") as f:
                f.write("batched\n" if b"DATA\r\n" in conn.buf else "one by one\n")
        conn.send(replies[verb])
        if verb == "QUIT" or verb == args.close_after:
            return
        if verb == "DATA" and replies[verb].startswith(b"354"):
            if args.stall_in_data:
                # Take nothing more: the client's writes fill the socket buffers and stop.
                while True:
                    signal.pause()
            conn.data(args.drop_in_data)
            conn.send(replies["DOT"])
            if args.close_after == "DOT":
                return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--greeting", default="220 bad.test ESMTP scripted\\r\\n")
    ap.add_argument("--stay", action="store_true", help="keep talking after a 421/554 greeting")
    ap.add_argument("--reply", action="append", default=[],
                    help="CMD=TEXT or CMD#N=TEXT (its Nth time), TEXT with \\r\\n escapes; DOT is the final dot")
    ap.add_argument("--huge-reply", help="answer CMD with a 1 MB line")
    ap.add_argument("--close-after", help="close after replying to CMD")
    ap.add_argument("--hang-after", help="on CMD, neither reply nor close")
    ap.add_argument("--drop-in-data", type=int, help="close after N bytes of DATA")
    ap.add_argument("--silent", action="store_true", help="never say anything")
    ap.add_argument("--stall-in-data", action="store_true", help="after 354, read nothing more")
    ap.add_argument("--ipv6", action="store_true", help="listen on ::1 instead of 127.0.0.1")
    ap.add_argument("--log")
    ap.add_argument("--batch-out", help="write whether MAIL came batched with RCPT and DATA")
    ap.add_argument("--lifetime", type=int, default=60)
    args = ap.parse_args()

    signal.alarm(args.lifetime)
    lsock = socket.socket(socket.AF_INET6 if args.ipv6 else socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("::1" if args.ipv6 else "127.0.0.1", 0))
    lsock.listen(4)
    print("PORT %d" % lsock.getsockname()[1], flush=True)
    sock, _ = lsock.accept()
    lsock.close()
    log = open(args.log, "wb") if args.log else None
    conn = Conn(sock, log)
    try:
        serve(conn, args)
    except (EOFError, ConnectionAbortedError, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
        if log:
            log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Helpers the python tests share: paths of the shared servers, a test certificate made
with openssl, free loopback ports, and servers started with a deadline on their
"PORT n" line and stopped for sure at the end.
"""
import os
import selectors
import socket
import subprocess
import time

LIB = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
AIOSMTPD_SERVER = os.path.join(LIB, "aiosmtpd_server.py")


class NoPort(Exception):
    """A server died or stayed silent instead of reporting its port."""


def make_cert(directory):
    """A self-signed certificate for localhost and 127.0.0.1 in directory: (cert, key).
    Made once; later calls return the same files."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", "/CN=localhost", "-days", "2",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key, "-out", cert],
                       check=True, capture_output=True, timeout=60)
    return cert, key


def free_port():
    """A loopback port nothing listens on right now (the kernel's pick)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port, proc, limit=10.0):
    """True once something accepts on port, False if proc died first (port taken)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.settimeout(2)
                try:
                    s.recv(512)  # the greeting; smtp-sink ends the probe session by itself
                except OSError:
                    pass
                return True
        except OSError:
            time.sleep(0.05)
    return False


def read_port(proc, argv, limit=20.0):
    """The port from the "PORT n" line proc prints first on its stdout pipe. readline
    could block forever if the server died silently: poll with a deadline."""
    deadline = time.monotonic() + limit
    line = b""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                raise NoPort("server %s did not report its port" % argv)
            if not sel.select(timeout=left):
                continue
            ch = os.read(proc.stdout.fileno(), 1)
            if not ch:
                err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
                raise NoPort("server %s exited before listening:\n%s" % (argv, err))
            line += ch
    finally:
        sel.close()
    if not line.startswith(b"PORT "):
        raise NoPort("server said %r" % line)
    return int(line.split()[1])


def start_with_port(argv, env=None, limit=20.0):
    """Start a server that prints "PORT n" first; return (process, port). The process is
    stopped if it does not report its port."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        return p, read_port(p, argv, limit)
    except BaseException:
        stop(p)
        raise


def stop(proc, limit=10.0):
    """Kill proc if it still runs and reap it, waiting at most limit seconds."""
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        pass


# Pieces of the small scripted servers (hostile, stalling, hanging) the tests start.

def listen(backlog=4, rcvbuf=None):
    """A TCP socket listening on 127.0.0.1 on a port the kernel picks. rcvbuf, when given,
    is set before bind, so the accepted connections inherit it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    return s


def report_port(sock):
    """Print the "PORT n" line the test harnesses wait for."""
    print("PORT %d" % sock.getsockname()[1], flush=True)


def serve_for(lsock, lifetime, handle):
    """Accept connections one after the other and pass each to handle(conn, end) until
    lifetime seconds have passed; each connection is closed after handle returns."""
    end = time.time() + lifetime
    lsock.settimeout(1.0)
    while time.time() < end:
        try:
            conn, _ = lsock.accept()
        except socket.timeout:
            continue
        with conn:
            handle(conn, end)


def command_lines(conn, quiet=False):
    """The CRLF-ended lines a client sends, until it closes. quiet: a socket error ends
    them too (otherwise it is raised)."""
    buf = b""
    while True:
        try:
            data = conn.recv(4096)
        except OSError:
            if quiet:
                return
            raise
        if not data:
            return
        buf += data
        while b"\r\n" in buf:
            line, buf = buf.split(b"\r\n", 1)
            yield line

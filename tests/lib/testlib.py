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

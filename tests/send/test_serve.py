#!/usr/bin/python3
"""ehlo send against the project's own practice server (ehlo serve): every SASL mechanism
both sides know, and the exit codes of the scenarios that refuse.

usage: test_serve.py EHLO CASE
"""
import os
import re
import sys

from smtptest import Failure, check, main

USER = "alice"
PASSWORD = "Pa55-w0rd-serve"


def serve(h, *args):
    """Start `ehlo serve` on a free port; returns (port, certificate file)."""
    import subprocess
    import selectors
    import time
    users = h.write("users", ("%s:%s\n" % (USER, PASSWORD)).encode(), mode=0o600)
    cert = h.path("serve-cert.pem")
    p = subprocess.Popen([h.ehlo, "serve", "--listen", "127.0.0.1:0", "--user-file", users,
                          "--cert-out", cert, "--quiet"] + list(args),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    h.procs.append(p)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    seen = b""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", seen)
        if m and os.path.exists(cert):
            sel.close()
            return int(m.group(1)), cert
        if sel.select(timeout=0.5):
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
    raise Failure("ehlo serve did not report its port: %r" % seen)


def send(h, port, cert, *more, password=PASSWORD):
    return h.run("--server", "127.0.0.1:%d" % port, "--from", "sender@example.com",
                 "--to", "%s@example.com" % USER, "--tls", "--cafile", cert, "--timeout", "10",
                 *more, env={"EHLO_TEST_PW": password})


def case_mechanisms(h):
    port, cert = serve(h)
    for mech in ("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"):
        r = send(h, port, cert, "--auth", mech, "--auth-user", USER, "--auth-password-env",
                 "EHLO_TEST_PW")
        r.expect(0, "authenticated (%s)" % mech, "certificate verified")
        check(PASSWORD not in r.out + r.err, "the password is not printed", r)
        r = send(h, port, cert, "--auth", mech, "--auth-user", USER, "--auth-password-env",
                 "EHLO_TEST_PW", password="not-" + PASSWORD)
        r.expect(5, "AUTH %s failed" % mech, "535")


def case_submission(h):
    """Port 587 rules: without AUTH, MAIL gets 530 (exit 7); with it, delivered."""
    port, cert = serve(h, "--scenario", "submission")
    send(h, port, cert).expect(7, "MAIL FROM rejected", "530")
    send(h, port, cert, "--auth", "PLAIN", "--auth-user", USER, "--auth-password-env",
         "EHLO_TEST_PW").expect(0)


def case_greylist(h):
    """451 to the first try (exit 6); the retry goes through (greylist delay 0)."""
    port, cert = serve(h, "--scenario", "greylist", "--greylist-delay", "0")
    send(h, port, cert).expect(6, "451", "temporary")
    send(h, port, cert).expect(0)


def case_mailbox_full(h):
    port, cert = serve(h, "--scenario", "mailbox-full")
    send(h, port, cert).expect(6, "452", "no recipient accepted")


def case_size_limit(h):
    """A message over the advertised SIZE: SIZE= on MAIL lets the server refuse at once."""
    port, cert = serve(h, "--scenario", "size-limit")
    body = h.write("big.eml", b"Subject: big\r\n\r\n" + b"x" * 70 + b"\r\n" * 1 +
                   (b"y" * 70 + b"\r\n") * 400)
    r = send(h, port, cert, "--body", body)
    r.expect(7, "552")
    check("SIZE=%d" % os.path.getsize(body) in r.out, "SIZE= sent on MAIL", r)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    sys.exit(main(CASES, sys.argv))

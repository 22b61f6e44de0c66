#!/usr/bin/python3
"""ehlo send against a scripted server that misbehaves: each case must end with its
documented exit code and a sentence that says what happened, and none may hang.

usage: test_bad.py EHLO CASE
"""
import os
import sys
import time

from smtptest import check, main, free_port


def send(h, port, *more, timeout=30, env=None):
    return h.run("--server", "127.0.0.1:%d" % port, "--from", "a@example.test",
                 "--to", "b@example.test", *more, timeout=timeout, env=env)


def client_said(log):
    with open(log, "rb") as f:
        return f.read()


def case_starttls_injection(h):
    port, log = h.bad_server(
        "--reply", "EHLO=250-bad.test\\r\\n250-STARTTLS\\r\\n250 AUTH PLAIN LOGIN\\r\\n",
        "--reply", "STARTTLS=220 2.0.0 Ready to start TLS\\r\\n250 injected\\r\\n")
    r = send(h, port, "--tls", "--auth", "PLAIN", "--auth-user", "u", "--auth-password-env",
             "PW", "--timeout", "5", "--json", h.path("t.json"), timeout=20,
             env={"PW": "very-secret"})
    r.expect(8, "before TLS started", "injection", "stopping before anything secret is sent")
    time.sleep(0.2)
    said = client_said(log)
    check(b"AUTH" not in said and b"MAIL" not in said, "nothing sent after the injection", said)
    check(not said.split(b"STARTTLS\r\n", 1)[1].startswith(b"\x16"),
          "no TLS handshake on an injected stream", said)


def case_drop_in_data(h):
    port, _ = h.bad_server("--drop-in-data", "65536")
    body = h.write("body.eml", b"Subject: big\r\n\r\n" + (b"x" * 76 + b"\r\n") * 100000)
    r = send(h, port, "--body", body, "--timeout", "5")
    r.expect(8, "closed the connection")


def case_drop_after_data(h):
    """The server closes after 354 before the dot: a small message is written whole, then
    the reply never comes."""
    port, _ = h.bad_server("--drop-in-data", "10", "--close-after", "DATA")
    r = send(h, port, "--timeout", "5")
    r.expect(8, "closed the connection")


def case_silent(h):
    port, _ = h.bad_server("--silent")
    start = time.monotonic()
    r = send(h, port, "--timeout", "2", timeout=20)
    r.expect(8, "timeout", "greeting")
    check(time.monotonic() - start < 10, "gave up in about 2 s")


def case_silent_after_dot(h):
    port, _ = h.bad_server("--reply", "DOT=")
    r = send(h, port, "--timeout", "2", timeout=20)
    r.expect(8, "timeout", "final dot")


def case_mismatched_codes(h):
    port, _ = h.bad_server("--reply", "EHLO=250-bad.test\\r\\n251 mismatched\\r\\n")
    r = send(h, port, "--timeout", "5")
    r.expect(8, "protocol error")
    check("250" in r.err and "251" in r.err, "says which codes differ", r)


def case_huge_reply_line(h):
    port, _ = h.bad_server("--huge-reply", "EHLO")
    r = send(h, port, "--timeout", "5")
    r.expect(8, "protocol error")
    check(len(r.out) + len(r.err) < 64 * 1024, "the 1 MB line is not echoed whole", len(r.out))


def case_greeting_421(h):
    port, _ = h.bad_server("--greeting", "421 4.3.2 bad.test Service not available\\r\\n")
    r = send(h, port, "--timeout", "5")
    r.expect(6, "421", "closing the session")


def case_greeting_554(h):
    port, log = h.bad_server("--greeting", "554 5.7.1 bad.test No SMTP service here\\r\\n",
                             "--stay")
    r = send(h, port, "--timeout", "5")
    r.expect(7, "554", "permanent")
    time.sleep(0.2)
    check(client_said(log).startswith(b"QUIT"), "QUIT after a 554 greeting",
          client_said(log))


def reject(h, cmd, reply, code, words):
    port, log = h.bad_server("--reply", "%s=%s\\r\\n" % (cmd, reply))
    r = send(h, port, "--timeout", "5")
    r.expect(code, reply.split(" ")[0], *words)
    return r, log


def case_reject_mail_4xx(h):
    reject(h, "MAIL", "451 4.3.0 try again later", 6, ["MAIL FROM rejected", "temporary"])


def case_reject_mail_5xx(h):
    reject(h, "MAIL", "550 5.7.1 sender refused", 7, ["MAIL FROM rejected", "permanent"])


def case_reject_rcpt_4xx(h):
    r, log = reject(h, "RCPT", "450 4.2.0 mailbox busy", 6, ["no recipient accepted"])
    check(b"DATA" not in client_said(log), "no DATA after every RCPT failed")


def case_reject_rcpt_5xx(h):
    reject(h, "RCPT", "550 5.1.1 no such user", 7, ["no recipient accepted", "b@example.test"])


def case_reject_data_4xx(h):
    reject(h, "DATA", "451 4.3.0 local problem", 6, ["DATA rejected"])


def case_reject_data_5xx(h):
    reject(h, "DATA", "554 5.5.1 no valid recipients", 7, ["DATA rejected"])


def case_reject_dot_4xx(h):
    reject(h, "DOT", "452 4.3.1 out of space", 6, ["message rejected"])


def case_reject_dot_5xx(h):
    reject(h, "DOT", "552 5.3.4 message too big", 7, ["message rejected"])


def case_reject_pipelined(h):
    """Pipelined, MAIL refused: the RCPT and DATA replies are read, then QUIT; exit 7."""
    port, log = h.bad_server("--reply", "MAIL=550 5.7.1 sender refused\\r\\n",
                             "--reply", "RCPT=503 5.5.1 need MAIL\\r\\n",
                             "--reply", "DATA=503 5.5.1 need RCPT\\r\\n")
    r = send(h, port, "--pipeline", "--timeout", "5")
    r.expect(7, "MAIL FROM rejected", "550")
    time.sleep(0.2)
    check(client_said(log).endswith(b"QUIT\r\n"), "QUIT at the end", client_said(log))


def case_closing_421(h):
    """421 to RCPT, then the server hangs up: exit 6, and no QUIT into a closed socket."""
    port, log = h.bad_server("--reply", "RCPT=421 4.7.0 bad.test closing, too many errors\\r\\n",
                             "--close-after", "RCPT")
    r = send(h, port, "--timeout", "5")
    r.expect(6, "closing the session", "421")
    time.sleep(0.2)
    check(b"QUIT" not in client_said(log), "no QUIT after 421", client_said(log))


def case_quit_unanswered(h):
    """Delivered, then QUIT gets no answer: still exit 0, after the QUIT timeout."""
    port, _ = h.bad_server("--hang-after", "QUIT")
    start = time.monotonic()
    r = send(h, port, "--timeout", "2", timeout=20)
    r.expect(0, "after the session", "QUIT")
    check(time.monotonic() - start < 10, "gave up on QUIT after about 2 s")


def case_quit_closed(h):
    """Delivered, then the server hangs up instead of answering QUIT: still exit 0."""
    port, _ = h.bad_server("--reply", "QUIT=")
    r = send(h, port, "--timeout", "5")
    r.expect(0, "no reply to QUIT")


def case_pipelined_no_rcpt(h):
    """Pipelined: every RCPT refused yet DATA got 354; only a lone dot goes (RFC 2920 3.1)."""
    port, log = h.bad_server("--reply", "RCPT=550 5.1.1 no such user\\r\\n")
    r = send(h, port, "--pipeline", "--subject", "must not be sent", "--timeout", "5")
    r.expect(7, "no recipient accepted", "550")
    time.sleep(0.2)
    said = client_said(log)
    check(b"DATA\r\n.\r\n" in said and b"must not be sent" not in said,
          "a lone dot, no message", said)


def case_starttls_refused(h):
    port, _ = h.bad_server("--reply", "EHLO=250-bad.test\\r\\n250 STARTTLS\\r\\n")
    r = send(h, port, "--tls", "--timeout", "5")
    r.expect(4, "refused STARTTLS", "454")


def case_helo_fallback(h):
    port, log = h.bad_server("--reply", "EHLO=502 5.5.2 EHLO not implemented\\r\\n")
    r = send(h, port, "--timeout", "5")
    r.expect(0, "trying HELO")
    check(b"HELO " in client_said(log), "HELO sent", client_said(log))


def case_connect_refused(h):
    port = free_port()  # nothing listens there
    r = send(h, port, "--timeout", "5")
    r.expect(3, "could not connect")


def case_partial_rcpt(h):
    """One of two recipients refused: the message goes to the other, exit 7 says so."""
    port, log = h.bad_server("--reply", "RCPT#2=550 5.1.1 no such user\\r\\n")
    r = h.run("--server", "127.0.0.1:%d" % port, "--from", "a@example.test", "--to",
              "b@example.test", "--to", "c@example.test", "--timeout", "5")
    r.expect(7, "delivered to 1 of 2", "c@example.test was rejected")
    time.sleep(0.2)
    check(b"\r\n.\r\n" in client_said(log), "the message was sent", client_said(log))


def case_stall_in_data(h):
    """The server stops reading after 354: the writes stall, and --timeout ends it."""
    port, _ = h.bad_server("--stall-in-data")
    body = h.write("body.eml", b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 40000)
    start = time.monotonic()
    r = send(h, port, "--body", body, "--timeout", "2", timeout=30)
    r.expect(8, "timeout", "sending the message")
    check(time.monotonic() - start < 15, "gave up soon after 2 s without progress")


def case_hostile_text(h):
    """Escape sequences in replies never reach the terminal raw."""
    port, _ = h.bad_server(
        "--greeting", "220 evil \x1b]0;pwned\x07 \x1b[2J\x9b31m bad.test\r\n",
        "--reply", "MAIL=550 5.7.1 \x1b[31mred\x1b[0m refused\r\n")
    r = send(h, port, "--timeout", "5")
    r.expect(7, "refused")
    for text in (r.out, r.err):
        check("\x1b" not in text and "\x07" not in text and "\x9b" not in text,
              "no control bytes from the server in the output", repr(text))
    check("^[" in r.out, "escapes are shown as visible marks", r)


def case_ipv6_literal(h):
    """--server [::1]:PORT reaches a server listening on IPv6 loopback only."""
    import socket as _s
    try:
        probe = _s.socket(_s.AF_INET6, _s.SOCK_STREAM)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        from smtptest import Skip
        raise Skip("no IPv6 loopback here")
    port, _ = h.bad_server("--ipv6")
    r = h.run("--server", "[::1]:%d" % port, "--from", "a@example.test", "--to",
              "b@example.test", "--timeout", "5")
    r.expect(0, "::1")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    sys.exit(main(CASES, sys.argv))

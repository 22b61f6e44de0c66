#!/usr/bin/python3
"""ehlo send against aiosmtpd: plain, STARTTLS (verified, self-signed, --insecure), implicit
TLS, AUTH PLAIN and LOGIN, byte-exact delivery, --quit-after, and the transcript files.

usage: test_aiosmtpd.py EHLO CASE
"""
import base64
import json
import os
import stat
import sys
import time

from smtptest import Failure, check, main

USER = "alice"
PASSWORD = "Pa55-w0rd!xyzzy"
FROM = "sender@example.test"
TO = "rcpt@example.test"


def base(port, *more):
    return ["--server", "127.0.0.1:%d" % port, "--from", FROM, "--to", TO,
            "--timeout", "10"] + list(more)


def auth_env():
    return {"EHLO_TEST_PW": PASSWORD}


def tricky_body():
    """A message whose lines test transparency: ".", "..", ".x", 998 octets, UTF-8."""
    lines = [b"From: <sender@example.test>", b"To: <rcpt@example.test>",
             b"Subject: transparency", b"MIME-Version: 1.0",
             b"Content-Type: text/plain; charset=utf-8", b"Content-Transfer-Encoding: 8bit",
             b"", b"first line", b".", b"..", b".x", b"x" * 998, b"." + b"y" * 997,
             "Grüße, ¡hola!, 日本語, ✉".encode("utf-8"), b"", b"last line"]
    return b"\r\n".join(lines) + b"\r\n"


def case_plain(h):
    port = h.aiosmtpd()
    r = h.run(*base(port, "--subject", "plain test", "--header", "X-Test: one two"))
    r.expect(0)
    check("-> MAIL FROM:<%s>" % FROM in r.out, "the session is printed", r)
    check("<-  250" in r.out, "server replies are printed", r)
    data, env = h.inbox()
    check(env["mail_from"] == FROM and env["rcpt_tos"] == [TO], "envelope", env)
    check(b"\r\nSubject: plain test\r\n" in b"\r\n" + data, "Subject header", data)
    check(b"\r\nX-Test: one two\r\n" in data, "extra header", data)
    check(any(o.startswith("SIZE=") for o in env["mail_options"]), "SIZE= on MAIL", env)
    check(not env["tls"], "no TLS was asked for", env)


def case_addresses(h):
    """"Name <addr>" puts addr in the envelope and the whole in To:; --from "" is MAIL FROM:<>."""
    port = h.aiosmtpd()
    r = h.run("--server", "127.0.0.1:%d" % port, "--from", "", "--to",
              "Bob Example <bob@example.test>, <carol@example.test>", "--timeout", "10")
    r.expect(0, "MAIL FROM:<>")
    data, env = h.inbox()
    check(env["mail_from"] == "<>", "null sender", env)
    check(env["rcpt_tos"] == ["bob@example.test", "carol@example.test"], "envelope", env)
    check(b"Bob Example <bob@example.test>" in data, "the name stays in To:", data)
    check(b"\r\nFrom: @" not in data and b"\r\nFrom: \r\n" not in data, "a real From:", data)


def case_localhost(h):
    port = h.aiosmtpd()
    r = h.run("--server", "localhost:%d" % port, "--from", FROM, "--to", TO, "--timeout", "10")
    r.expect(0)
    h.inbox()


def case_body_exact(h):
    port = h.aiosmtpd()
    body = tricky_body()
    path = h.write("body.eml", body)
    r = h.run(*base(port, "--body", path))
    r.expect(0)
    data, env = h.inbox()
    check(data == body, "the server received exactly the message", repr(data[:300]),
          repr(body[:300]))
    check("BODY=8BITMIME" in env["mail_options"], "8-bit body declared", env)
    check("lone-dot" in r.err or "only" in r.err.lower(), "lint warns about the lone dot", r)


def case_body_lf(h):
    """LF line ends and no final line end: the server gets CRLF and a final CRLF."""
    port = h.aiosmtpd()
    body = tricky_body()
    lf = body.replace(b"\r\n", b"\n").rstrip(b"\n")
    path = h.write("body-lf.eml", lf)
    r = h.run(*base(port, "--body", path))
    r.expect(0)
    data, _ = h.inbox()
    check(data == body, "LF made CRLF, final CRLF added", repr(data[-80:]), repr(body[-80:]))


def case_body_stdin(h):
    port = h.aiosmtpd()
    body = tricky_body()
    path = h.write("body.eml", body)
    with open(path, "rb") as f:
        r = h.run(*base(port, "--body", "-"), stdin=f)
    r.expect(0)
    data, _ = h.inbox()
    check(data == body, "stdin body delivered exactly", repr(data[:200]))


def case_starttls_verified(h):
    port = h.aiosmtpd(tls=True)
    cert, _ = h.cert()
    r = h.run(*base(port, "--tls", "--cafile", cert))
    r.expect(0, "TLS started", "certificate verified")
    check(" ~> MAIL FROM" in r.out, "MAIL went over TLS (shown with ~>)", r)
    check(r.out.count("EHLO ") >= 2, "EHLO again after the handshake", r)
    _, env = h.inbox()
    check(env["tls"], "the server saw TLS", env)


def case_starttls_selfsigned(h):
    port = h.aiosmtpd(tls=True)
    r = h.run(*base(port, "--tls"))
    r.expect(4, "self-signed", "did not verify")
    check(not os.path.exists(h.path("inbox/msg-1.eml")), "nothing delivered")


def case_starttls_wrong_name(h):
    port = h.aiosmtpd(tls=True)
    cert, _ = h.cert()
    r = h.run(*base(port, "--tls", "--cafile", cert, "--tls-servername", "mail.example.test"))
    r.expect(4, "did not verify", "not for mail.example.test")


def case_starttls_insecure(h):
    port = h.aiosmtpd(tls=True)
    r = h.run(*base(port, "--tls", "--insecure"))
    r.expect(0, "not verified", "--insecure")
    _, env = h.inbox()
    check(env["tls"], "delivered over TLS", env)


def case_starttls_not_offered(h):
    port = h.aiosmtpd()
    r = h.run(*base(port, "--tls"))
    r.expect(4, "does not offer STARTTLS")
    check(not os.path.exists(h.path("inbox/msg-1.eml")), "nothing delivered")


def case_implicit_tls(h):
    port = h.aiosmtpd(implicit_tls=True, user=USER, password=PASSWORD)
    cert, _ = h.cert()
    r = h.run(*base(port, "--tls-on-connect", "--cafile", cert, "--auth", "PLAIN",
                    "--auth-user", USER, "--auth-password-env", "EHLO_TEST_PW"), env=auth_env())
    r.expect(0, "certificate verified")
    _, env = h.inbox()
    check(env["tls"] and env["authenticated"], "TLS and AUTH", env)


def auth_case(h, mech, password=PASSWORD, code=0):
    port = h.aiosmtpd(tls=True, user=USER, password=PASSWORD)
    cert, _ = h.cert()
    r = h.run(*base(port, "--tls", "--cafile", cert, "--auth", mech, "--auth-user", USER,
                    "--auth-password-env", "EHLO_TEST_PW"), env={"EHLO_TEST_PW": password})
    r.expect(code)
    check(password not in r.out + r.err, "the password is not printed", r)
    return r


def case_auth_plain(h):
    auth_case(h, "PLAIN")
    _, env = h.inbox()
    check(env["authenticated"], "authenticated", env)


def case_auth_login(h):
    auth_case(h, "LOGIN")
    _, env = h.inbox()
    check(env["authenticated"], "authenticated", env)


def case_auth_wrong(h):
    r = auth_case(h, "PLAIN", password="not-the-password", code=5)
    r.expect(5, "AUTH PLAIN failed", "535")
    check(not os.path.exists(h.path("inbox/msg-1.eml")), "nothing delivered")


def case_auth_password_file(h):
    port = h.aiosmtpd(tls=True, user=USER, password=PASSWORD)
    cert, _ = h.cert()
    pw = h.write("pw", (PASSWORD + "\n").encode(), mode=0o600)
    r = h.run(*base(port, "--tls", "--cafile", cert, "--auth", "LOGIN", "--auth-user", USER,
                    "--auth-password-file", pw))
    r.expect(0)
    _, env = h.inbox()
    check(env["authenticated"], "authenticated", env)


def case_auth_prompt(h):
    """No password option and stdin a terminal: ehlo asks, with echo off."""
    import pty
    import select
    import subprocess
    port = h.aiosmtpd(tls=True, user=USER, password=PASSWORD)
    cert, _ = h.cert()
    master, slave = pty.openpty()
    p = subprocess.Popen([h.ehlo, "send"] + base(port, "--tls", "--cafile", cert, "--auth",
                                                  "LOGIN", "--auth-user", USER, "--quiet"),
                         stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 20
        while b"Password for" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 1024)
        check(b"Password for alice" in seen, "a prompt was shown", seen)
        os.write(master, PASSWORD.encode() + b"\n")
        while p.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        code = p.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    check(code == 0, "exit 0 after the prompt, got %s" % code, seen)
    check(PASSWORD.encode() not in seen, "the password was not echoed", seen)
    _, env = h.inbox()
    check(env["authenticated"], "authenticated", env)


def case_auth_prompt_interrupted(h):
    """Ctrl-C at the password prompt gives the terminal its echo back."""
    import pty
    import select
    import signal
    import subprocess
    import termios
    master, slave = pty.openpty()
    from smtptest import free_port
    p = subprocess.Popen([h.ehlo, "send", "--server", "127.0.0.1:%d" % free_port(), "--to", TO,
                          "--auth", "PLAIN", "--auth-user", USER], stdin=slave, stdout=slave,
                         stderr=slave, close_fds=True)
    seen = b""
    try:
        deadline = time.monotonic() + 20
        while b"Password for" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 1024)
        check(b"Password for" in seen, "a prompt was shown", seen)
        check(not termios.tcgetattr(slave)[3] & termios.ECHO, "echo is off at the prompt")
        p.send_signal(signal.SIGINT)
        code = p.wait(timeout=10)
        check(code == -signal.SIGINT, "ended by the signal, got %s" % code)
        check(termios.tcgetattr(slave)[3] & termios.ECHO, "echo is back on after Ctrl-C")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
        os.close(slave)


def case_auth_loopback_plaintext(h):
    """No TLS: allowed only because the server is on loopback, and it says so."""
    port = h.aiosmtpd(user=USER, password=PASSWORD, auth_plaintext=True)
    r = h.run(*base(port, "--auth", "PLAIN", "--auth-user", USER,
                    "--auth-password-env", "EHLO_TEST_PW"), env=auth_env())
    r.expect(0, "loopback")
    _, env = h.inbox()
    check(env["authenticated"] and not env["tls"], "plaintext AUTH on loopback", env)


def case_auth_not_offered(h):
    """aiosmtpd offers AUTH only after STARTTLS: without --tls, exit 5 with a hint."""
    port = h.aiosmtpd(tls=True, user=USER, password=PASSWORD)
    r = h.run(*base(port, "--auth", "PLAIN", "--auth-user", USER,
                    "--auth-password-env", "EHLO_TEST_PW"), env=auth_env())
    r.expect(5, "did not advertise AUTH", "--tls")


def case_secrets(h):
    """--transcript and --json: mode 0600, valid JSON Lines, and no password in any form."""
    for mech in ("PLAIN", "LOGIN"):
        port = h.aiosmtpd(tls=True, user=USER, password=PASSWORD)
        cert, _ = h.cert()
        text, js = h.path("t-%s.txt" % mech), h.path("t-%s.jsonl" % mech)
        h.write("t-%s.txt" % mech, b"old", mode=0o644)  # an existing file is made 0600 too
        r = h.run(*base(port, "--tls", "--cafile", cert, "--auth", mech, "--auth-user", USER,
                        "--auth-password-env", "EHLO_TEST_PW", "--transcript", text,
                        "--json", js), env=auth_env())
        r.expect(0)
        forms = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
                 base64.b64encode(("\0%s\0%s" % (USER, PASSWORD)).encode()).decode(),
                 base64.b64encode(("%s\0%s\0%s" % (USER, USER, PASSWORD)).encode()).decode()]
        for path in (text, js):
            mode = stat.S_IMODE(os.stat(path).st_mode)
            check(mode == 0o600, "%s has mode %o, not 600" % (path, mode))
            with open(path, "rb") as f:
                content = f.read().decode("utf-8")
            check("AUTH %s" % mech in content, "the AUTH line is recorded (masked)", content)
            for form in forms + [f[:12] for f in forms[1:]]:
                check(form not in content, "%r found in %s" % (form, path), content)
        for form in forms:
            check(form not in r.out and form not in r.err, "secret on the terminal", r)
        with open(js, encoding="utf-8") as f:
            events = [json.loads(line) for line in f]
        check(len(events) > 10, "JSON has the session", events)
        for ev in events:
            check(set(("t", "dir", "text")) <= set(ev), "JSON event fields", ev)
        check(any(ev["dir"] == "client" and ev["text"].startswith("MAIL FROM") for ev in events),
              "MAIL in JSON", events)
        check(any(ev.get("secret") for ev in events), "secret events are flagged", events)
        os.rename(h.path("inbox"), h.path("inbox-%s" % mech))


def quit_after(h, step, expect_quit=True, expect_message=False, extra=()):
    port = h.aiosmtpd(tls=True, user=USER, password=PASSWORD)
    cert, _ = h.cert()
    text = h.path("q.txt")
    r = h.run(*base(port, "--tls", "--cafile", cert, "--auth", "PLAIN", "--auth-user", USER,
                    "--auth-password-env", "EHLO_TEST_PW", "--quit-after", step,
                    "--transcript", text, *extra), env=auth_env())
    r.expect(0, "stopping after %s" % step)
    with open(text) as f:
        lines = f.read().splitlines()
    sent = [l[4:] for l in lines if l.startswith((" -> ", " ~> "))]
    check((sent[-1:] == ["QUIT"]) == expect_quit, "QUIT at the end: %s" % expect_quit, sent)
    check(os.path.exists(h.path("inbox/msg-1.eml")) == expect_message,
          "message delivered: %s" % expect_message)
    return sent


def case_quit_after(h):
    sent = quit_after(h, "banner")
    check(sent == ["QUIT"], "only QUIT after the banner", sent)
    os.rename(h.path("inbox"), h.path("inbox-1"))
    sent = quit_after(h, "ehlo")
    check(sent[0].startswith("EHLO") and "STARTTLS" not in sent, "stopped after EHLO", sent)
    os.rename(h.path("inbox"), h.path("inbox-2"))
    sent = quit_after(h, "tls")
    check("STARTTLS" in sent and not any(s.startswith("AUTH") for s in sent), "after TLS", sent)
    os.rename(h.path("inbox"), h.path("inbox-3"))
    sent = quit_after(h, "auth")
    check(any(s.startswith("AUTH") for s in sent) and not any(s.startswith("MAIL") for s in sent),
          "after AUTH", sent)
    os.rename(h.path("inbox"), h.path("inbox-4"))
    sent = quit_after(h, "mail")
    check(sent[-2].startswith("MAIL"), "after MAIL", sent)
    os.rename(h.path("inbox"), h.path("inbox-5"))
    sent = quit_after(h, "rcpt")
    check(sent[-2].startswith("RCPT"), "after RCPT", sent)
    os.rename(h.path("inbox"), h.path("inbox-6"))
    sent = quit_after(h, "data", expect_quit=False)
    check(sent[-1] == "DATA", "closed after DATA without a message", sent)
    os.rename(h.path("inbox"), h.path("inbox-7"))
    quit_after(h, "dot", expect_message=True)
    os.rename(h.path("inbox"), h.path("inbox-8"))
    port = h.aiosmtpd()
    r = h.run(*base(port, "--quit-after", "connect"))
    r.expect(0, "stopping after connect")
    check(" -> " not in r.out, "nothing sent after connect", r)


def case_pipeline_not_advertised(h):
    """aiosmtpd does not advertise PIPELINING: --pipeline falls back and says so."""
    port = h.aiosmtpd()
    r = h.run(*base(port, "--pipeline", "--to", "second@example.test"))
    r.expect(0, "does not advertise PIPELINING")
    _, env = h.inbox()
    check(env["rcpt_tos"] == [TO, "second@example.test"], "both recipients", env)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    sys.exit(main(CASES, sys.argv))

#!/usr/bin/python3
"""Integration tests of `ehlo serve` against real clients on loopback.

Usage: serve_test.py PATH-TO-EHLO CASE

Each case starts its own `ehlo serve --listen 127.0.0.1:0`, reads the port from the
first line of its output, talks to it with swaks, Python's smtplib, curl, Postfix's
smtp-source or a raw socket, checks what happened, and stops the server. Every external
process has a timeout. Exit status 0 means the case passed, 77 that a needed tool is
missing (meson counts it as skipped).
"""

import base64
import os
import queue
import resource
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import testlib  # noqa: E402

EHLO = os.path.abspath(sys.argv[1])
CASE = sys.argv[2]
SKIP = 77


class Fail(Exception):
    pass


def check(cond, what):
    """Fail the case with a message unless cond holds."""
    if not cond:
        raise Fail(what)


class Server:
    """An `ehlo serve` child; its output is collected in the background."""

    def __init__(self, *args, expect_start=True):
        self.args = [EHLO, "serve", "--listen", "127.0.0.1:0", *args]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = []
        self.q = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.port = None
        if expect_start:
            first = self.q.get(timeout=10)
            check(first.startswith("ehlo serve: listening on 127.0.0.1:"), "first line: %r" % first)
            self.port = int(first.rsplit(":", 1)[1])

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            self.q.put(line)

    def log(self):
        return "\n".join(self.lines)

    def wait_log(self, text, timeout=10):
        """Wait until text shows up in the output."""
        end = time.time() + timeout
        while time.time() < end:
            if text in self.log():
                return True
            time.sleep(0.05)
        return False

    def wait_count(self, text, n, timeout=15):
        """Wait until text shows up n times; returns the count seen last."""
        end = time.time() + timeout
        while True:
            seen = self.log().count(text)
            if seen >= n or time.time() >= end:
                return seen
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=5)
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        rc = self.stop()
        if exc_type is None and rc != 0:
            raise Fail("ehlo serve exited with status %d after SIGTERM:\n%s"
                       % (rc, "\n".join(self.lines[-20:])))


class Raw:
    """A plain socket client that reads whole replies."""

    def __init__(self, port, greet=True):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        if greet:
            self.greeting = self.reply()

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        """One reply: (code, all its lines as text). ('', '') when the server closed."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return ("", "\n".join(lines))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            text = line.decode("utf-8", "replace")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return (text[:3], "\n".join(lines))

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def closed(self):
        """True when the server has closed (reads EOF within the timeout)."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.sock.close()


def run(cmd, timeout=60, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def need(*tools):
    for t in tools:
        if shutil.which(t) is None and not os.path.exists(t):
            print("skipped: %s is not installed" % t)
            sys.exit(SKIP)


def unverified():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def swaks(port, *args):
    return run(["swaks", "--server", "127.0.0.1:%d" % port, "--from", "sender@example.com",
                "--to", "rcpt@example.com", "--timeout", "15", *args])


# ---------------------------------------------------------------- cases

def case_swaks():
    need("swaks")
    with Server() as s:
        r = swaks(s.port, "--body", "hello from swaks")
        check(r.returncode == 0, "swaks failed: " + r.stdout + r.stderr)
        check("250 2.0.0 Ok: queued as" in r.stdout, r.stdout)
        r = swaks(s.port, "--pipeline", "--to", "a@example.com,b@example.com")
        check(r.returncode == 0, "swaks --pipeline failed: " + r.stdout)
        check(s.wait_count("accepted, ", 2) == 2, s.log())
        check("[1] C: EHLO" in s.log() and "[1] S: 250-PIPELINING" in s.log(), s.log())
        r = swaks(s.port, "--to", "bad address@@example.com")
        check(r.returncode != 0 and "501 5.1.3" in r.stdout, r.stdout)
    with Server("--show-messages", "--quiet") as s:
        r = swaks(s.port, "--header", "Subject: shown \x1b[31mred", "--body", "line one\n.dot")
        check(r.returncode == 0, r.stdout)
        check(s.wait_log("M: line one"), s.log())
        check("M: Subject: shown ^[[31mred" in s.log() and "\x1b" not in s.log(), s.log())
        check("M: .dot" in s.log(), "dot-stuffing not undone in the shown message")


def case_swaks_tls_auth():
    need("swaks")
    with Server("--user", "pat:S3cretPw") as s:
        for mech in ("PLAIN", "LOGIN", "CRAM-MD5"):
            r = swaks(s.port, "-tls", "-a", mech, "-au", "pat", "-ap", "S3cretPw")
            check(r.returncode == 0, mech + ": " + r.stdout + r.stderr)
            check("235 2.7.0 Authentication successful" in r.stdout, r.stdout)
            check("250 2.0.0 Ok: queued as" in r.stdout, r.stdout)
        r = swaks(s.port, "-tls", "-a", "PLAIN", "-au", "pat", "-ap", "wrong")
        check(r.returncode != 0 and "535 5.7.8" in r.stdout, r.stdout)
        check(s.wait_log("authentication failed"), s.log())
        log = s.log()
        check("TLS handshake done: TLSv1.3" in log, log)
        payload = base64.b64encode(b"\0pat\0S3cretPw").decode()
        check("S3cretPw" not in log and payload not in log, "a secret reached the log")
        check("[AUTH response hidden]" in log or "[initial response hidden]" in log, log)


def case_smtplib():
    with Server("--user", "pat:pw1") as s:
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as c:
            refused = c.sendmail("a@example.com", ["b@example.com"], "Subject: plain\r\n\r\nbody\r\n")
            check(refused == {}, str(refused))
            code, _ = c.noop()
            check(code == 250, "noop %d" % code)
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as c:
            c.starttls(context=unverified())
            c.ehlo()
            check(c.has_extn("auth"), "AUTH not offered after TLS")
            c.login("pat", "pw1")
            c.sendmail("a@example.com", ["b@example.com"], "Subject: tls\r\n\r\nover TLS\r\n")
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as c:
            c.ehlo()
            c.user, c.password = "pat", "pw1"
            code, _ = c.auth("LOGIN", c.auth_login)
            check(code == 235, "AUTH LOGIN %d" % code)
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as c:
            try:
                c.login("pat", "nope")
                raise Fail("wrong password accepted")
            except smtplib.SMTPAuthenticationError as e:
                check(e.smtp_code == 535, str(e))
        # SMTPUTF8 and 8BITMIME.
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as c:
            msg = "Subject: caf\u00e9\r\n\r\nna\u00efve body\r\n".encode("utf-8")
            c.ehlo()
            check(c.has_extn("smtputf8") and c.has_extn("8bitmime"), "extensions")
            c.sendmail("j\u00f6rg@example.com", ["b\u00fccher@example.com"], msg,
                       mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as c:
            try:
                c.sendmail("j\u00f6rg@example.com", ["b@example.com"], b"x\r\n")
                raise Fail("non-ASCII sender without SMTPUTF8 accepted")
            except (smtplib.SMTPSenderRefused, smtplib.SMTPNotSupportedError, UnicodeEncodeError):
                pass
        check(s.wait_count("accepted, ", 3) == 3, s.log())


def case_curl():
    need("curl")
    with tempfile.TemporaryDirectory() as d:
        md = os.path.join(d, "mail")
        body = os.path.join(d, "msg.txt")
        with open(body, "wb") as f:
            f.write(b"Subject: from curl\r\n\r\nline one\r\n.\r\n..two dots\r\n")
        with Server("--maildir", md) as s:
            r = run(["curl", "-sS", "--max-time", "20", "smtp://127.0.0.1:%d" % s.port,
                     "--mail-from", "a@example.com", "--mail-rcpt", "b@example.com",
                     "--upload-file", body])
            check(r.returncode == 0, "curl: " + r.stderr)
            r = run(["curl", "-sS", "--max-time", "20", "smtp://127.0.0.1:%d" % s.port,
                     "--ssl-reqd", "-k", "--user", "student:practice",
                     "--mail-from", "a@example.com", "--mail-rcpt", "b@example.com",
                     "--upload-file", body])
            check(r.returncode == 0, "curl STARTTLS+AUTH: " + r.stderr)
            check(s.wait_log("TLS handshake done"), s.log())
            files = sorted(os.listdir(os.path.join(md, "new")))
            check(len(files) == 2, "maildir: %r" % files)
            for name in files:
                with open(os.path.join(md, "new", name), "rb") as f:
                    got = f.read()
                with open(body, "rb") as f:
                    check(got == f.read(), "curl message changed: %r" % got)


def case_smtp_source():
    need("/usr/sbin/smtp-source")
    with Server("--quiet") as s:
        r = run(["/usr/sbin/smtp-source", "-s", "20", "-m", "2000", "-l", "1000",
                 "127.0.0.1:%d" % s.port], timeout=120)
        check(r.returncode == 0, "smtp-source: " + r.stdout + r.stderr)
        n = s.wait_count("accepted, ", 2000)
        check(n == 2000, "%d of 2000 messages accepted" % n)
        check("C: " not in s.log(), "--quiet printed session lines")


def case_maildir():
    with tempfile.TemporaryDirectory() as d:
        md = os.path.join(d, "Maildir")
        with Server("--maildir", md) as s:
            c = Raw(s.port)
            for line in ("EHLO t", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>"):
                check(c.cmd(line)[0] == "250", line)
            check(c.cmd("DATA")[0] == "354", "DATA")
            # Stuffed on the wire: "." -> "..", ".." -> "...", ".x" -> "..x".
            c.send(b"Subject: dots\r\n\r\n..\r\n...\r\n..x\r\nplain \xc3\xa9\r\n\r\n.\r\n")
            code, text = c.reply()
            check(code == "250", text)
            check(c.cmd("MAIL FROM:<a@example.com>")[0] == "250", "mail2")
            check(c.cmd("RCPT TO:<b@example.com>")[0] == "250", "rcpt2")
            c.send(b"BDAT 8 LAST\r\n.\r\n..\r\nx")
            code, text = c.reply()
            check(code == "250", "BDAT: " + text)
            c.cmd("QUIT")
            c.close()
            files = sorted(os.listdir(os.path.join(md, "new")))
            check(len(files) == 2, "new/: %r" % files)
            check(os.listdir(os.path.join(md, "tmp")) == [], "tmp/ not empty")
            check(os.path.isdir(os.path.join(md, "cur")), "no cur/")
            bodies = []
            for name in files:
                with open(os.path.join(md, "new", name), "rb") as f:
                    bodies.append(f.read())
            want_data = b"Subject: dots\r\n\r\n.\r\n..\r\n.x\r\nplain \xc3\xa9\r\n\r\n"
            want_bdat = b".\r\n..\r\nx"
            check(sorted(bodies) == sorted([want_data, want_bdat]), "bodies: %r" % bodies)


SMUGGLE = [b"\n.\n", b"\r.\r", b"\r.\n", b"\n.\r", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n",
           b"\r\n.\r", b"\r\n\0.\r\n", b"\r\n.\0\r\n"]


def case_smuggling():
    with tempfile.TemporaryDirectory() as d:
        md = os.path.join(d, "Maildir")
        with Server("--maildir", md) as s:
            for seq in SMUGGLE:
                c = Raw(s.port)
                for line in ("EHLO t", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>"):
                    check(c.cmd(line)[0] == "250", line)
                check(c.cmd("DATA")[0] == "354", "DATA")
                c.send(b"Subject: smuggle\r\n\r\nhello" + seq +
                       b"MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<victim@example.com>\r\n"
                       b"DATA\r\nforged\r\n\r\n.\r\nNOOP\r\n")
                code, text = c.reply()
                check(code == "550" and "5.5.2" in text and "smuggling" in text,
                      "%r: got %s" % (seq, text))
                code, text = c.reply()
                check(code == "250" and "2.0.0 Ok" in text, "%r: out of sync: %s" % (seq, text))
                # The session is still usable: a clean message goes through.
                check(c.cmd("MAIL FROM:<a@example.com>")[0] == "250", "after %r" % seq)
                check(c.cmd("RCPT TO:<b@example.com>")[0] == "250", "after %r" % seq)
                check(c.cmd("DATA")[0] == "354", "after %r" % seq)
                c.send(b"Subject: clean\r\n\r\nok\r\n.\r\n")
                check(c.reply()[0] == "250", "clean message after %r" % seq)
                c.cmd("QUIT")
                c.close()
            files = os.listdir(os.path.join(md, "new"))
            check(len(files) == len(SMUGGLE), "%d files, want only the clean ones" % len(files))
            for name in files:
                with open(os.path.join(md, "new", name), "rb") as f:
                    check(f.read() == b"Subject: clean\r\n\r\nok\r\n", "a smuggled part was kept")
            log = s.log()
            check("evil@attacker.example" not in log.replace("C: (", ""), "smuggled MAIL ran")
            check("lax server would take as the end of the data" in log, "no words in the log")
            check("NOT the end of the data here" in log, "no note when the fake end was seen")


def case_submission():
    with Server("--scenario", "submission") as s:
        c = Raw(s.port)
        code, text = c.cmd("EHLO t")
        check(code == "250" and "STARTTLS" in text and "AUTH" not in text, text)
        code, text = c.cmd("AUTH PLAIN " + base64.b64encode(b"\0student\0practice").decode())
        check(code == "530" and "5.7.0 Must issue a STARTTLS command first" in text, text)
        code, text = c.cmd("MAIL FROM:<a@example.com>")
        check(code == "530" and "STARTTLS" in text, text)
        c.close()
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as m:
            m.starttls(context=unverified())
            try:
                m.sendmail("a@example.com", ["b@example.com"], "x\r\n")
                raise Fail("MAIL accepted without AUTH")
            except smtplib.SMTPSenderRefused as e:
                check(e.smtp_code == 530 and b"Authentication required" in e.smtp_error, str(e))
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as m:
            m.starttls(context=unverified())
            m.login("student", "practice")
            check(m.sendmail("a@example.com", ["b@example.com"], "Subject: s\r\n\r\nok\r\n") == {},
                  "refused")
        check(s.wait_log("accepted, "), s.log())


def expect_rcpt(port, rcpt, code_want, text_want):
    c = Raw(port)
    c.cmd("EHLO t")
    c.cmd("MAIL FROM:<a@example.com>")
    code, text = c.cmd("RCPT TO:<%s>" % rcpt)
    c.cmd("QUIT")
    c.close()
    check(code == code_want and text_want in text, "RCPT %s: %s" % (rcpt, text))


def case_scenarios():
    r = run([EHLO, "serve", "--list-scenarios"], timeout=10)
    names = ["default", "submission", "greylist", "unknown-user", "relay-denied", "mailbox-full",
             "size-limit", "slow", "flaky", "tempfail", "shutdown"]
    check(r.returncode == 0 and all("\n%s\n" % n in "\n" + r.stdout for n in names), r.stdout)
    with Server("--scenario", "unknown-user", "--mailbox", "kim") as s:
        expect_rcpt(s.port, "nobody@example.com", "550", "5.1.1 <nobody@example.com>: Recipient "
                    "address rejected: User unknown")
        expect_rcpt(s.port, "kim@example.com", "250", "2.1.5")
        expect_rcpt(s.port, "student@example.com", "250", "2.1.5")
        expect_rcpt(s.port, "postmaster@example.com", "250", "2.1.5")
    with Server("--scenario", "relay-denied") as s:
        expect_rcpt(s.port, "x@elsewhere.example", "554", "5.7.1 <x@elsewhere.example>: Relay "
                    "access denied")
        expect_rcpt(s.port, "x@example.org", "250", "2.1.5")
    with Server("--scenario", "relay-denied", "--local-domain", "school.test") as s:
        expect_rcpt(s.port, "x@example.org", "554", "5.7.1")
        expect_rcpt(s.port, "x@school.test", "250", "2.1.5")
    with Server("--scenario", "mailbox-full") as s:
        expect_rcpt(s.port, "x@example.com", "452", "4.2.2")
        need("swaks")
        r = swaks(s.port)
        check("452 4.2.2" in r.stdout and r.returncode != 0, r.stdout)
    with Server("--scenario", "size-limit") as s:
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as m:
            m.ehlo()
            check(m.esmtp_features.get("size") == "10240", str(m.esmtp_features))
            try:
                m.sendmail("a@example.com", ["b@example.com"], "x" * 20000 + "\r\n")
                raise Fail("big message accepted")
            except smtplib.SMTPSenderRefused as e:
                check(e.smtp_code == 552 and b"5.3.4" in e.smtp_error, str(e))
        c = Raw(s.port)
        c.cmd("EHLO t")
        c.cmd("MAIL FROM:<a@example.com>")
        c.cmd("RCPT TO:<b@example.com>")
        c.cmd("DATA")
        c.send(("y" * 98 + "\r\n") * 200 + ".\r\n")
        code, text = c.reply()
        check(code == "552" and "5.3.4 Message size exceeds fixed limit" in text, text)
        check(c.cmd("NOOP")[0] == "250", "session lost after 552")
        c.close()
    with Server("--scenario", "size-limit", "--size-limit", "100000") as s:
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as m:
            m.sendmail("a@example.com", ["b@example.com"], "x" * 20000 + "\r\n")
    with Server("--scenario", "tempfail") as s:
        need("swaks")
        r = swaks(s.port)
        check(r.returncode != 0 and "451 4.3.0" in r.stdout, r.stdout)
        check(s.wait_log("deferred on purpose"), s.log())
    with Server("--scenario", "shutdown") as s:
        c = Raw(s.port)
        check(c.greeting[0] == "421" and "4.3.2" in c.greeting[1], str(c.greeting))
        check(c.closed(), "still open after 421")
    with Server("--scenario", "default") as s:
        c = Raw(s.port)
        code, text = c.cmd("HELP")
        check(code == "214" and "Next: introduce yourself with EHLO" in text, text)
        c.cmd("EHLO t")
        code, text = c.cmd("HELP")
        check("Next: MAIL FROM:" in text, text)
        check(c.cmd("VRFY bob")[0] == "252", "VRFY")
        c.close()


def case_greylist():
    with Server("--scenario", "greylist", "--greylist-delay", "1") as s:
        expect_rcpt(s.port, "b@example.com", "451", "4.7.1 <b@example.com>: Recipient address "
                    "rejected: Greylisted")
        expect_rcpt(s.port, "b@example.com", "451", "4.7.1")
        time.sleep(1.3)
        expect_rcpt(s.port, "b@example.com", "250", "2.1.5")
        expect_rcpt(s.port, "other@example.com", "451", "4.7.1")
    with Server("--scenario", "greylist", "--greylist-delay", "0") as s:
        expect_rcpt(s.port, "b@example.com", "451", "Greylisted, please try again in 0 seconds")
        expect_rcpt(s.port, "b@example.com", "250", "2.1.5")


def case_slow():
    with Server("--scenario", "slow", "--delay", "300") as s:
        t0 = time.time()
        c = Raw(s.port)
        check(c.greeting[0] == "220", str(c.greeting))
        check(time.time() - t0 >= 0.25, "greeting not delayed")
        t0 = time.time()
        c.send("NOOP\r\nNOOP\r\nHELO t\r\n")
        replies = [c.reply()[0] for _ in range(3)]
        check(replies == ["250", "250", "250"], str(replies))
        check(time.time() - t0 >= 0.75, "replies not delayed: %.2f s" % (time.time() - t0))
        # Another connection is served meanwhile: the delay is a timer, not a sleep.
        c2 = Raw(s.port, greet=False)
        t0 = time.time()
        c.send("NOOP\r\n")
        check(c2.reply()[0] == "220", "second client")
        check(c.reply()[0] == "250", "first client")
        c.close()
        c2.close()


def flaky_stories(seed):
    stories = []
    with Server("--scenario", "flaky", "--seed", str(seed)) as s:
        for _ in range(25):
            c = Raw(s.port)
            story = []
            for _ in range(60):
                try:
                    code, _ = c.cmd("NOOP")
                except (ConnectionResetError, BrokenPipeError):
                    code = "reset"
                story.append(code or "drop")
                if code != "250":
                    break
            stories.append(" ".join(story[-2:]) + " after %d" % len(story))
            c.close()
        check("flaky" in s.log(), s.log())
    return stories


def case_flaky():
    a = flaky_stories(7)
    b = flaky_stories(7)
    check(a == b, "same seed, different runs:\n%s\n%s" % (a, b))
    ends = " ".join(a)
    check("421" in ends, "no 421 in 25 sessions: %s" % a)
    check("drop" in ends or "reset" in ends, "no dropped connection in 25 sessions: %s" % a)


def case_limits():
    with Server("--idle-timeout", "2", "--user", "pat:pw") as s:
        c = Raw(s.port)
        code, text = c.cmd("A" * 600)
        check(code == "500" and "5.5.6" in text, text)
        c.send("B" * 10000)
        c.send("C" * 10000 + "\r\n")
        code, text = c.reply()
        check(code == "500" and "5.5.6" in text, text)
        code, text = c.cmd("\x01\x02\x1b[2J garbage \xff")
        check(code == "502", text)
        check(c.cmd("NOOP")[0] == "250", "session lost after garbage")
        c.cmd("EHLO t")
        bad = "AUTH PLAIN " + base64.b64encode(b"\0pat\0wrong").decode()
        for _ in range(3):
            check(c.cmd(bad)[0] == "535", "535 expected")
        code, text = c.cmd(bad)
        check(code == "421" and "too many failed authentication" in text, text)
        check(c.closed(), "open after 421")
        c = Raw(s.port)
        c.cmd("EHLO t")
        c.cmd("MAIL FROM:<a@example.com>")
        c.send("".join("RCPT TO:<r%d@example.com>\r\n" % i for i in range(101)))
        codes = [c.reply()[0] for _ in range(101)]
        check(codes[:100] == ["250"] * 100 and codes[100] == "452", str(codes[-3:]))
        t0 = time.time()
        code, text = c.reply()
        check(code == "421" and "4.4.2" in text and "timeout" in text, text)
        check(time.time() - t0 < 8, "idle timeout took too long")
        check("\x1b" not in s.log(), "raw escape reached the log")
        check("^[[2J" in s.log(), "garbage not shown sanitized")


def case_idle_1000():
    need("/usr/sbin/smtp-source")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        print("skipped: the hard descriptor limit (%d) is below 1200" % hard)
        sys.exit(SKIP)
    if soft < 2200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    with Server("--quiet", "--max-connections", "1100") as s:
        idle = []
        for i in range(1000):
            idle.append(socket.create_connection(("127.0.0.1", s.port), timeout=10))
        for sock in idle:
            check(sock.recv(512).startswith(b"220 "), "idle connection not greeted")
        with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as m:
            check(m.sendmail("a@example.com", ["b@example.com"], "Subject: x\r\n\r\ny\r\n") == {},
                  "refused")
        r = run(["/usr/sbin/smtp-source", "-s", "10", "-m", "500", "127.0.0.1:%d" % s.port],
                timeout=120)
        check(r.returncode == 0, "smtp-source beside 1000 idle: " + r.stderr)
        for sock in idle[:10]:
            sock.sendall(b"NOOP\r\n")
            check(sock.recv(512).startswith(b"250 "), "idle connection lost")
        for sock in idle:
            sock.close()
        n = s.wait_count("accepted, ", 501)
        check(n == 501, "%d messages" % n)


def case_max_connections():
    with Server("--max-connections", "5") as s:
        held = [Raw(s.port) for _ in range(5)]
        for c in held:
            check(c.greeting[0] == "220", str(c.greeting))
        extra = Raw(s.port)
        check(extra.greeting[0] == "421" and "4.7.0" in extra.greeting[1], str(extra.greeting))
        check(extra.closed(), "refused connection left open")
        held[0].cmd("QUIT")
        held[0].close()
        time.sleep(0.2)
        again = Raw(s.port)
        check(again.greeting[0] == "220", "slot not freed: %s" % str(again.greeting))
        check(s.wait_log("--max-connections"), s.log())


def case_tls_on_connect():
    with Server("--tls-on-connect") as s:
        with smtplib.SMTP_SSL("127.0.0.1", s.port, timeout=10, context=unverified()) as m:
            m.ehlo()
            check(not m.has_extn("starttls"), "STARTTLS offered inside TLS")
            m.login("student", "practice")
            check(m.sendmail("a@example.com", ["b@example.com"], "Subject: 465\r\n\r\nx\r\n") == {},
                  "refused")
        # A verifying client that trusts nothing else fails: the certificate is self-signed.
        try:
            smtplib.SMTP_SSL("127.0.0.1", s.port, timeout=10,
                             context=ssl.create_default_context()).quit()
            raise Fail("self-signed certificate verified without being trusted")
        except ssl.SSLCertVerificationError:
            pass
        check(s.wait_log("accepted, "), s.log())


def case_starttls_injection():
    with Server() as s:
        c = Raw(s.port)
        c.cmd("EHLO t")
        # STARTTLS and a command in one packet: the command must never run.
        c.send("STARTTLS\r\nMAIL FROM:<injected@attacker.example>\r\n")
        code, text = c.reply()
        check(code == "220" and "2.0.0 Ready to start TLS" in text, text)
        check(c.buf == b"", "the server answered the injected command in plaintext")
        tls = unverified().wrap_socket(c.sock, server_hostname="localhost")
        c.sock = tls
        code, text = c.cmd("MAIL FROM:<a@example.com>")
        check(code == "503" and "HELO/EHLO first" in text, "session not reset: " + text)
        code, text = c.cmd("EHLO t")
        check(code == "250" and "STARTTLS" not in text, text)
        check(c.cmd("MAIL FROM:<a@example.com>")[0] == "250", "MAIL over TLS")
        c.close()
        check(s.wait_log("discarded 39 octets"), s.log())
        check("injected@attacker" not in s.log(), "injected command reached the session")


def case_tls_files():
    need("openssl")
    with tempfile.TemporaryDirectory() as d:
        try:
            cert, key = testlib.make_cert(d)
        except subprocess.CalledProcessError as e:
            raise Fail("openssl: %s" % e.stderr)
        with Server("--tls-cert", cert, "--tls-key", key) as s:
            ctx = ssl.create_default_context(cafile=cert)
            with smtplib.SMTP("localhost", s.port, timeout=10) as m:
                m.starttls(context=ctx)
                m.login("student", "practice")
                m.sendmail("a@example.com", ["b@example.com"], "Subject: v\r\n\r\nverified\r\n")
            check(s.wait_log("certificate from " + cert), s.log())
        r = run([EHLO, "serve", "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", cert],
                timeout=10)
        check(r.returncode != 0 and "key" in r.stderr, r.stderr)


def case_cli():
    r = run([EHLO, "serve", "--help"], timeout=10)
    check(r.returncode == 0 and "--listen ADDR:PORT" in r.stdout and "--scenario" in r.stdout,
          r.stdout)
    r = run([EHLO, "serve", "--bogus"], timeout=10)
    check(r.returncode == 2 and "unknown option" in r.stderr, r.stderr)
    r = run([EHLO, "serve", "--scenario", "nope", "--listen", "127.0.0.1:0"], timeout=10)
    check(r.returncode == 2 and "unknown scenario" in r.stderr, r.stderr)
    r = run([EHLO, "serve", "--listen", "127.0.0.1"], timeout=10)
    check(r.returncode != 0 and "ADDRESS:PORT" in r.stderr, r.stderr)
    r = run([EHLO, "serve", "--delay", "x"], timeout=10)
    check(r.returncode == 2, r.stderr)
    with Server() as s:
        check(s.wait_log("demo account: user student, password practice"), s.log())
        check(s.stop() == 0, "exit status after SIGTERM")
        check("stopped after" in s.log(), s.log())
    with tempfile.TemporaryDirectory() as d:
        pem = os.path.join(d, "practice.pem")
        with Server("--cert-out", pem) as s:
            check(s.wait_log("certificate written to " + pem), s.log())
            # The generated certificate verifies for localhost and for 127.0.0.1.
            for host in ("localhost", "127.0.0.1"):
                with smtplib.SMTP(host, s.port, timeout=10) as m:
                    m.starttls(context=ssl.create_default_context(cafile=pem))
                    m.login("student", "practice")
    with tempfile.TemporaryDirectory() as d:
        users = os.path.join(d, "users")
        with open(users, "w") as f:
            f.write("# practice accounts\nkim:Xy7pass\nlee:Other9\n")
        with Server("--user-file", users) as s:
            check(s.wait_log("accounts: kim lee (passwords as given)"), s.log())
            with smtplib.SMTP("127.0.0.1", s.port, timeout=10) as m:
                m.login("lee", "Other9")
            check("Xy7pass" not in s.log() and "Other9" not in s.log(), "password printed")
    with Server("--user", "ann:pw", "--scenario", "flaky", "--seed", "3") as s:
        check(s.wait_log("accounts: ann (passwords as given)"), s.log())
        check(s.wait_log("flaky seed 3"), s.log())
        check("pw" not in s.log().replace("passwords", ""), "password printed")


CASES = {
    "swaks": case_swaks,
    "swaks-tls-auth": case_swaks_tls_auth,
    "smtplib": case_smtplib,
    "curl": case_curl,
    "smtp-source": case_smtp_source,
    "maildir": case_maildir,
    "smuggling": case_smuggling,
    "submission": case_submission,
    "scenarios": case_scenarios,
    "greylist": case_greylist,
    "slow": case_slow,
    "flaky": case_flaky,
    "limits": case_limits,
    "idle-1000": case_idle_1000,
    "max-connections": case_max_connections,
    "tls-on-connect": case_tls_on_connect,
    "cli": case_cli,
    "starttls-injection": case_starttls_injection,
    "tls-files": case_tls_files,
}


def main():
    fn = CASES.get(CASE)
    if fn is None:
        print("unknown case %r" % CASE)
        return 2
    try:
        fn()
    except Fail as e:
        print("FAIL %s: %s" % (CASE, e))
        return 1
    print("ok %s" % CASE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Integration tests of `ehlo explain`: the real binary, exit codes, JSON, Spanish without a
Spanish locale, colours only on a terminal, 80-column text, sanitized output, and a real
swaks transcript against a server started here on a free loopback port.

usage: test_explain_cli.py EHLO
"""
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import testlib  # noqa: E402

EHLO = sys.argv[1]
PY = "/usr/bin/python3"
# The shared aiosmtpd server as a Postfix-like MX: nobody@... gets 550 5.1.1, AUTH PLAIN
# and LOGIN without TLS (loopback only) for alice, whose password goes in the environment.
SERVER = [PY, testlib.AIOSMTPD_SERVER, "--hostname", "mx.test.example", "--auth-user", "alice",
          "--auth-plaintext", "--reject-prefix", "nobody@", "--queue-id", "4Z1x2y3Qk9z",
          "--timeout", "300", "--lifetime", "60"]
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    print(("ok %d - " % checks if cond else "not ok %d - " % checks) + what)
    if not cond:
        failures.append(what)


def env(**extra):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C"}
    if "EHLO_LOCALEDIR" in os.environ:
        e["EHLO_LOCALEDIR"] = os.environ["EHLO_LOCALEDIR"]
    e.update(extra)
    return e


def run(args, stdin=None, **extra):
    return subprocess.run([EHLO] + args, input=stdin, capture_output=True, text=True,
                          timeout=30, env=env(**extra))


def run_pty(args, **extra):
    """Run with stdout on a pseudo-terminal; returns what it printed."""
    master, slave = pty.openpty()
    p = subprocess.Popen([EHLO] + args, stdout=slave, stderr=subprocess.DEVNULL,
                         env=env(**extra))
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 10)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    p.wait(timeout=10)
    os.close(master)
    return out.decode("utf-8", "replace")


# Bad input: a clear message on stderr, nothing on stdout, exit 2.
for bad in ["600", "abc", "2500", "6.1.1", "199", "25"]:
    r = run(["explain", bad])
    check(r.returncode == 2 and r.stdout == "" and bad in r.stderr and "code" in r.stderr,
          "explain %s: exit 2 with a message (got %d: %r)" % (bad, r.returncode, r.stderr))
for args in (["explain", "--after", "FOO", "250"], ["explain", "--format", "xml", "250"],
             ["explain"], ["--lang", "fr", "explain", "250"], ["explain", "--bogus", "250"]):
    r = run(args)
    check(r.returncode == 2 and r.stderr != "", "%s: usage error, exit 2" % " ".join(args))

for args in (["explain", "--transcript", "/nonexistent/transcript.txt"],
             ["explain", "--transcript", "-", "235"]):
    r = run(args, stdin="")
    check(r.returncode == 2 and r.stderr != "" and r.stdout == "",
          "%s: exit 2 with a message" % " ".join(args))
r = run(["explain", "--format", "json", "--transcript", "-"], stdin="no smtp here\n")
check(r.returncode == 0 and json.loads(r.stdout)["count"] == 0, "a transcript without replies")

# Well-formed unknown code: explained by its digits.
r = run(["explain", "299"])
check(r.returncode == 0 and "299" in r.stdout and "digit" in r.stdout,
      "explain 299: explained by its digits")

# The four sections, and two codes compared.
r = run(["explain", "235"])
for section in ("What it means", "When you see it", "What to do", "References"):
    check(section in r.stdout, "235 has section %r" % section)
r = run(["explain", "235", "354"])
check(r.returncode == 0 and "Key differences" in r.stdout and "When you meet each" in r.stdout
      and "logged in" in r.stdout, "235 354: both, then the comparison")
r = run(["explain", "--after", "RCPT", "550"])
check("RCPT TO: this recipient is refused" in r.stdout, "--after RCPT 550 uses the context")
r = run(["explain", "--after", "MAIL", "--starttls-offered", "--no-tls", "530"])
check("requires TLS first" in r.stdout, "530 with STARTTLS offered and no TLS")
r = run(["explain", "--after", "MAIL", "--tls", "530"])
check("what is missing is authentication" in r.stdout, "530 under TLS")
r = run(["explain", "--mech", "LOGIN", "334 VXNlcm5hbWU6"])
check('"Username:"' in r.stdout, "334 challenge decoded")
r = run(["explain", "5.7.26"])
check(r.returncode == 0 and "Multiple authentication checks failed" in r.stdout,
      "an enhanced code alone")
r = run(["explain", "5.7.606"])
check("Microsoft 365" in r.stdout, "provider range named")

gmail = ("550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender "
         "and Gmail users, and has been blocked. The sender must authenticate with at least one "
         "of SPF or DKIM. - gsmtp")
r = run(["explain", gmail])
check("Mailbox unavailable" in r.stdout and "Multiple authentication checks failed" in r.stdout
      and "Gmail: the message is not authenticated" in r.stdout,
      "reply line: basic + enhanced + provider pattern")

# Text fits 80 columns (the echoed reply line aside).
for args in (["explain", "235", "354"], ["explain", gmail], ["explain", "--lang", "es", "552"],
             ["explain", "250"], ["explain", "--lang", "es", "--transcript", "-"]):
    out = run(args, stdin="S: 220 x\nC: EHLO y\nS: " + gmail.replace("550-", "550 ") + "\n").stdout
    long = [l for l in out.splitlines() if len(l) > 80 and " " in l.strip()]
    check(not long, "%s fits 80 columns %r" % (" ".join(args)[:40], long[:1]))

# JSON: valid, with the structure a script needs.
r = run(["explain", "--format", "json", "235", "354"])
try:
    doc = json.loads(r.stdout)
    check(len(doc["explanations"]) == 2 and doc["comparison"]["differences"]
          and doc["explanations"][0]["explanation"]["title"] == "Authentication succeeded",
          "json for two codes")
except (ValueError, KeyError) as e:
    check(False, "json for two codes parses: %s" % e)
r = run(["explain", "--format", "json", gmail])
try:
    ex = json.loads(r.stdout)["explanations"][0]["explanation"]
    check(ex["code"] == 550 and ex["enhanced"]["code"] == "5.7.26"
          and any(m["id"] == "gmail-unauthenticated" for m in ex["matches"]), "json reply line")
except (ValueError, KeyError, IndexError) as e:
    check(False, "json reply line parses: %s" % e)

# Spanish with LANG=C, and no Spanish locale needed.
locales = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
print("# locales here:", " ".join(locales))
r = run(["explain", "--lang", "es", "235"])
check("Qué significa" in r.stdout and "Autenticación correcta" in r.stdout,
      "--lang es after the subcommand is Spanish with LANG=C")
r = run(["--lang", "es", "explain", "235"])
check("Qué significa" in r.stdout, "--lang es before the subcommand")
r = run(["--lang", "es", "--help"])
check(r.returncode == 0 and r.stdout.startswith("uso: ehlo") and "órdenes:" in r.stdout
      and all(len(l) <= 80 for l in r.stdout.splitlines()),
      "ehlo --lang es --help: the top-level usage in Spanish, within 80 columns")
r = run(["--help"])
check(r.returncode == 0 and r.stdout.startswith("usage: ehlo"), "ehlo --help in English")
r = run(["--lang=es", "explain", "--format", "json", "550"])
check(json.loads(r.stdout)["lang"] == "es" and "rechazo" in r.stdout, "--lang=es json")
r = run(["explain", "235"], LANG="es_ES.UTF-8")
check("Qué significa" in r.stdout, "LANG=es_ES.UTF-8 (not generated) gives Spanish")
r = run(["explain", "--lang", "en", "235"], LANG="es_ES.UTF-8")
check("What it means" in r.stdout, "--lang en overrides a Spanish locale")
r = run(["explain", "--lang", "es", "600"])
check(r.returncode == 2 and "primera cifra" in r.stderr, "errors in Spanish too")

# Colour only on a terminal, and never with NO_COLOR.
r = run(["explain", "550"])
check("\x1b" not in r.stdout, "no escape sequences when stdout is a pipe")
out = run_pty(["explain", "550"])
check("\x1b[" in out, "colours on a terminal")
out = run_pty(["explain", "550"], NO_COLOR="1")
check("\x1b" not in out and "What it means" in out, "NO_COLOR on a terminal: no escapes")
out = run_pty(["explain", "550"], NO_COLOR="")
check("\x1b" not in out and "What it means" in out, "NO_COLOR set but empty: no escapes")
out = run_pty(["explain", "--format", "json", "550"])
check("\x1b" not in out and json.loads(out)["explanations"], "JSON on a terminal: no escapes")

# Server text goes through the sanitizer.
r = run(["explain", "550 5.7.1 \x1b]0;owned\x07\x1b[2Jrejected"])
check(r.returncode == 0 and "\x1b" not in r.stdout and "\x07" not in r.stdout,
      "escape sequences in a reply line are neutralized")
r = run(["explain", "--transcript", "-"], stdin="<-  220 \x1b[31mred\n -> QUIT\n<-  221 bye\n")
check(r.returncode == 0 and "\x1b" not in r.stdout and "line 1" in r.stdout,
      "escape sequences in a transcript are neutralized")

# A real swaks transcript against a server started here.
swaks = shutil.which("swaks") or "/usr/bin/swaks"
srv_env = dict(os.environ, EHLO_TEST_PASSWORD="secret")
try:
    srv, port = testlib.start_with_port(SERVER, env=srv_env)
except testlib.NoPort as e:
    print("# %s" % e)
    srv, port = None, 0
try:
    check(port > 0, "test server listening on 127.0.0.1:%d" % port)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "swaks.txt")
        sw = subprocess.run([swaks, "--server", "127.0.0.1:%d" % port, "--to", "a@example.org",
                             "--from", "b@example.org", "--timeout", "20"],
                            capture_output=True, text=True, timeout=60)
        sw2 = subprocess.run([swaks, "--server", "127.0.0.1:%d" % port, "--to",
                              "nobody@example.org", "--from", "b@example.org", "--timeout", "20"],
                             capture_output=True, text=True, timeout=60)
        transcript = sw.stdout + sw.stderr
        check(sw.returncode == 0 and "<-  250" in transcript, "swaks delivered a message")
        with open(path, "w") as f:
            f.write(transcript)
        # Replies in the transcript: lines that end one (no "NNN-" continuation).
        replies = [l for l in transcript.splitlines()
                   if l.startswith(("<-  ", "<** ")) and len(l) > 7 and l[7] != "-"]
        r = run(["explain", "--format", "json", "--transcript", path])
        doc = json.loads(r.stdout)
        check(r.returncode == 0 and doc["count"] == len(replies) and len(replies) >= 6,
              "every reply of the swaks transcript explained (%d of %d)"
              % (doc["count"], len(replies)))
        afters = [x["after"] for x in doc["replies"]]
        check(afters[0] == "the greeting (on connect)" and "EHLO" in afters
              and "MAIL" in afters and "RCPT" in afters and "DATA" in afters
              and "the end of data (the final dot)" in afters and afters[-1] == "QUIT",
              "each reply paired with its command: %s" % afters)
        check(all(x["explanation"]["title"] and x["explanation"]["meaning"]
                  and x["explanation"]["fix"] for x in doc["replies"]),
              "no empty explanation in the transcript")
        end = [x for x in doc["replies"] if x["after"].startswith("the end of data")]
        check(end and any(m["id"] == "queued-as" for m in end[0]["explanation"]["matches"]),
              "the final 250 recognized as queued")
        # AUTH LOGIN: the 334 challenges decoded, the 235 after AUTH, no secret echoed.
        sw3 = subprocess.run([swaks, "--server", "127.0.0.1:%d" % port, "--to", "a@example.org",
                              "--from", "alice@example.org", "--auth", "LOGIN", "--auth-user",
                              "alice", "--auth-password", "secret", "--timeout", "20"],
                             capture_output=True, text=True, timeout=60)
        t3 = sw3.stdout + sw3.stderr
        r = run(["explain", "--transcript", "-"], stdin=t3)
        # aiosmtpd asks "User Name\0" and "Password\0": the NUL is shown, not hidden.
        check(sw3.returncode == 0 and "<-  334 " in t3 and "<-  235 " in t3,
              "swaks authenticated with LOGIN")
        flat = " ".join(r.stdout.split())
        check('Decoded challenge: "User Name^@"' in flat
              and 'Decoded challenge: "Password^@"' in flat
              and "Answers: AUTH LOGIN" in flat and "session is now authenticated" in flat,
              "AUTH LOGIN explained step by step")
        check("c2VjcmV0" not in r.stdout and "YWxpY2U=" not in r.stdout,
              "the SASL responses are not echoed")
        # The rejected recipient, from stdin, in Spanish text.
        t2 = sw2.stdout + sw2.stderr
        r = run(["--lang", "es", "explain", "--transcript", "-"], stdin=t2)
        check(sw2.returncode != 0 and "<** 550" in t2 and "550 5.1.1" in r.stdout
              and "Destinatario desconocido" in r.stdout,
              "the 550 5.1.1 of a rejected recipient explained from stdin, in Spanish")
finally:
    if srv is not None:
        testlib.stop(srv)

print("1..%d" % checks)
if failures:
    print("# %d failed" % len(failures))
    sys.exit(1)

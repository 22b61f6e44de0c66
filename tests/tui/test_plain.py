#!/usr/bin/python3
"""End-to-end tests of `ehlo --plain` with stdin and stdout as pipes: `test_plain.py EHLO CASE`.

The output must hold no escape sequence at all (stdout is not a terminal), each reply must
be followed by its explanation, lines wait for the reply to the one before, body lines
after 354 are dot-stuffed, and secrets never reach stdout or the transcript.
"""
import os
import re
import stat
import subprocess
import sys

from tuitest import PY, HERE, Env, Fail, check, run


def plain(ehlo, env, args, stdin, timeout=60):
    """Run ehlo --plain with stdin given; returns (exit code, stdout bytes)."""
    r = subprocess.run([ehlo, "--plain"] + args, input=stdin.encode(), capture_output=True,
                       env=env.vars(), timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def no_escapes(out):
    """No ESC, no C1 CSI, no BEL, no bare CR in what --plain printed to a pipe."""
    for b in (b"\x1b", b"\x9b", b"\x07", b"\r"):
        check(b not in out, "byte %r in the output:\n%r" % (b, out[:2000]))


def case_pipe_practice(ehlo, env):
    """No host: the practice server in-process, a whole transaction from a pipe."""
    rc, out, err = plain(ehlo, env, [], "EHLO me.example\nMAIL FROM:<a@example.org>\n"
                         "RCPT TO:<b@example.org>\nDATA\nSubject: x\n\nbody\n.\nQUIT\n")
    text = out.decode()
    check(rc == 0, "exit code %d, stderr %r" % (rc, err))
    no_escapes(out)
    for want in ("== practice server on 127.0.0.1", "<- 220 ", "-> EHLO me.example",
                 "<- 250-PIPELINING", "-> MAIL FROM:<a@example.org>", "-> DATA", "<- 354 ",
                 'A line of only "." ends it', "-> body", "end of data sent", "<- 221 "):
        check(want in text, "missing %r in:\n%s" % (want, text))
    # Every reply is followed by its explanation.
    lines = text.splitlines()
    for i, l in enumerate(lines):
        if l.startswith("<- ") and l[6:7] == " ":
            check(i + 1 < len(lines) and lines[i + 1].startswith("   = "),
                  "no explanation after %r" % l)
    # The lines waited for their replies: the order on screen is the order of the dialogue.
    check(text.index("<- 250 2.1.0") < text.index("-> RCPT TO"), "RCPT waited for MAIL's reply")


def case_pipe_aiosmtpd(ehlo, env):
    """aiosmtpd: --tls, /auth LOGIN answered from the pipe, a body with a leading dot,
    --transcript (0600, no secret)."""
    cert, key = env.cert()
    os.makedirs(env.path("out"))
    e = env.vars()
    e["EHLO_TEST_PASSWORD"] = "pipe-s3cret"
    port = env.start(env.aiosmtpd_argv(env.path("out"), cert, key), env=e)
    tr = env.path("t.jsonl")
    rc, out, err = plain(ehlo, env, ["127.0.0.1:%d" % port, "--tls", "--cafile", cert,
                                     "--ehlo", "me.example", "--transcript", tr],
                         "/auth LOGIN\nstudent\npipe-s3cret\nMAIL FROM:<a@example.org>\n"
                         "RCPT TO:<b@example.org>\nDATA\nSubject: p\n\n.leading\nend\n.\n"
                         "QUIT\n")
    text = out.decode()
    check(rc == 0, "exit code %d, stderr %r\n%s" % (rc, err, text))
    no_escapes(out)
    check("certificate verified" in text, "TLS verified with --cafile:\n" + text)
    check("~> EHLO me.example" in text, "EHLO again over TLS")
    check("authenticated as student" in text, "AUTH worked:\n" + text)
    check("pipe-s3cret" not in text, "the password reached stdout")
    check('sent as ".."' in text, "the stuffed dot is explained")
    body = open(env.path("out/msg-1.eml"), "rb").read()
    check(b".leading" in body and b"..leading" not in body, "body: %r" % body)
    check(stat.S_IMODE(os.stat(tr).st_mode) == 0o600, "transcript mode 0600")
    t = open(tr, "rb").read()
    check(b"pipe-s3cret" not in t and b"cGlwZS1zM2NyZXQ=" not in t, "secret in the transcript")
    check(b'"dir":"server"' in t, "JSON Lines transcript")


def case_pipe_hostile(ehlo, env):
    """A server sending escape sequences: --plain prints them as visible marks only."""
    port = env.start([PY, os.path.join(HERE, "hostile_server.py")])
    rc, out, err = plain(ehlo, env, ["127.0.0.1:%d" % port], "EHLO me.example\nNOOP\nQUIT\n")
    no_escapes(out)
    text = out.decode()
    check("^[]0;PWNED-TITLE^G" in text, "the sequence shows as marks:\n" + text)
    check("<U+009B>" in text or "\\x9b" in text, "the C1 CSI shows as a mark")


def case_compose(ehlo, env):
    """/compose asks for the sender and the recipients, then sends DATA; the body follows."""
    rc, out, err = plain(ehlo, env, [], "EHLO me.example\n/compose\na@example.org\n"
                         "b@example.org\nc@example.org\n\nSubject: c\n\nhi\n" + "x" * 1000 +
                         "\n.\n/explain 550\nQUIT\n")
    text = out.decode()
    check(rc == 0, "exit code %d" % rc)
    no_escapes(out)
    for want in ("-> MAIL FROM:<a@example.org>", "-> RCPT TO:<b@example.org>",
                 "-> RCPT TO:<c@example.org>", "-> DATA", "<- 354 ", "end of data sent",
                 "each reply is explained as it comes", "After 354 type the message"):
        check(want in text, "missing %r in:\n%s" % (want, text))
    check(re.search(r"^550  \S", text, re.M) is not None, "/explain prints the code's title")
    # The lint's findings are announced when the data ends, with the body's line numbers.
    check("lint: line 4: longer than 998 bytes" in text, "the long line is announced:\n" + text)


def case_practice_scenario(ehlo, env):
    """`ehlo practice --scenario submission`: MAIL before STARTTLS gets 530, explained."""
    rc, out, err = plain(ehlo, env, ["practice", "--scenario", "submission"],
                         "EHLO me.example\nMAIL FROM:<a@example.org>\nQUIT\n")
    text = out.decode()
    check(rc == 0, "exit code %d, %r" % (rc, err))
    check("(scenario submission)" in text, "the scenario is named:\n" + text)
    after = text.split("<- 530 ", 1)
    check(len(after) == 2, "MAIL before STARTTLS is refused:\n" + text)
    check(after[1].split("\n")[1].startswith("   = "), "and explained")
    r = subprocess.run([ehlo, "practice", "--list-scenarios"], capture_output=True,
                       env=env.vars(), timeout=30)
    check(r.returncode == 0 and b"submission" in r.stdout, "--list-scenarios")
    r = subprocess.run([ehlo, "--plain", "practice", "--scenario", "no-such"],
                       capture_output=True, env=env.vars(), timeout=30, input=b"")
    check(r.returncode != 0 and b"no-such" in r.stderr, "an unknown scenario is refused")


def case_verify_refused(ehlo, env):
    """TLS on connect to a self-signed server: the failure is shown and asked about; the
    pipe answers "n": the session stops with exit code 4. "y" goes on, marked unverified."""
    port = env.start([ehlo, "serve", "--tls-on-connect", "--listen", "127.0.0.1:0"],
                     marker="listening on ")
    rc, out, err = plain(ehlo, env, ["127.0.0.1:%d" % port, "--tls-on-connect"], "n\nEHLO x\n")
    text = out.decode()
    check(rc == 4, "exit code %d:\n%s" % (rc, text))
    check("failed verification" in text and "?? go on without verification" in text, text)
    check("-> EHLO" not in text and "~> EHLO" not in text, "nothing was sent after N")
    rc, out, err = plain(ehlo, env, ["127.0.0.1:%d" % port, "--tls-on-connect"],
                         "y\nEHLO x\nQUIT\n")
    text = out.decode()
    check(rc == 0, "exit code %d:\n%s" % (rc, text))
    check("certificate NOT verified" in text and "~> EHLO x" in text, text)


def case_connect_refused(ehlo, env):
    """Nothing listening: exit code 3 and the reason."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, out, err = plain(ehlo, env, ["127.0.0.1:%d" % port], "EHLO x\n")
    check(rc == 3, "exit code %d" % rc)
    check(b"could not connect" in out, "the reason: %r" % out)


def case_lang_es(ehlo, env):
    """--plain --lang es: driver messages, errors, prompts after 354 and /help in Spanish,
    the English ones gone; SMTP itself unchanged."""
    rc, out, err = plain(ehlo, env, ["--lang", "es"],
                         "EHLO me.example\n/bogus\n/help\nMAIL FROM:<a@example.org>\n"
                         "RCPT TO:<b@example.org>\nDATA\nSubject: x\n\nhola\n.\nQUIT\n")
    text = out.decode()
    check(rc == 0, "exit code %d, stderr %r" % (rc, err))
    no_escapes(out)
    for want in ("== servidor de práctica en 127.0.0.1", "== conectando con 127.0.0.1, puerto ",
                 "== conectado con 127.0.0.1, puerto ", "-> EHLO me.example",
                 "!! orden desconocida /bogus", "Órdenes con barra (las de ehlo):",
                 "  /quit           salir", "escriba ahora el mensaje", "-> hola",
                 "fin de datos enviado", "== el servidor cerró la conexión"):
        check(want in text, "missing %r in:\n%s" % (want, text))
    for gone in ("practice server on", "connecting to", "connected to", "unknown command",
                 "Slash commands", "now type the message", "end of data sent",
                 "the server closed"):
        check(gone not in text, "English %r left in:\n%s" % (gone, text))
    # The explanations come from help/ in Spanish too.
    check("   = Acción solicitada completada" in text, "explanations in Spanish:\n" + text)
    # The certificate question: asked in Spanish, answered "s" (sí), the session goes on.
    port = env.start([ehlo, "serve", "--tls-on-connect", "--listen", "127.0.0.1:0"],
                     marker="listening on ")
    rc, out, err = plain(ehlo, env, ["--lang", "es", "127.0.0.1:%d" % port, "--tls-on-connect"],
                         "s\nEHLO x\nQUIT\n")
    text = out.decode()
    check(rc == 0, "exit code %d:\n%s" % (rc, text))
    for want in ("?? ¿continuar sin verificación? [s/N]", "no superó la verificación",
                 "certificado NO verificado", "~> EHLO x"):
        check(want in text, "missing %r in:\n%s" % (want, text))
    check("go on without verification" not in text and "failed verification" not in text,
          "English left in:\n" + text)


CASES = {
    "lang_es": case_lang_es,
    "pipe_practice": case_pipe_practice,
    "pipe_aiosmtpd": case_pipe_aiosmtpd,
    "pipe_hostile": case_pipe_hostile,
    "connect_refused": case_connect_refused,
    "compose": case_compose,
    "verify_refused": case_verify_refused,
    "practice_scenario": case_practice_scenario,
}

if __name__ == "__main__":
    sys.exit(run(CASES))

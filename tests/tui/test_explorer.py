#!/usr/bin/python3
"""End-to-end tests of the full-screen explorer, driven in tmux: `test_explorer.py EHLO CASE`.

Each case starts what it needs on 127.0.0.1 (free ports), types like a user, and reads the
pane. The tmux server, the servers and the temporary home are removed at the end.
"""
import os
import re
import stat
import sys

from tuitest import PY, HERE, Env, Fail, Tmux, check, run


def status_row(screen):
    """The first row of the pane: the status bar."""
    return screen.split("\n", 1)[0]


def prompt_is(p):
    """A check that the command line (the last row) shows the prompt p."""
    return lambda sc: sc.rstrip("\n").split("\n")[-1].rstrip() == p


def quit_and_check(t, code=0):
    """/quit must end the explorer with the exit code and give the terminal back."""
    t.type("/quit")
    s = t.wait("EHLO-EXIT:")
    check("EHLO-EXIT:%d" % code in s, "exit code after /quit: %s" % s)


def case_practice_inproc(ehlo, env):
    """`ehlo` alone: greeting, EHLO with capabilities explained, STARTTLS by hand, /auth,
    MAIL and RCPT explained, walking back through replies, 80x24, history, /quit."""
    t = Tmux(env, [ehlo])
    s = t.wait("Service ready")
    check(status_row(s).startswith(" ehlo  127.0.0.1:"), "status bar: %r" % status_row(s))
    check("practice server on 127.0.0.1" in s, "the practice server is named")
    check("<- 220 " in s, "the greeting is shown")
    t.type("EHLO me.example")
    s = t.wait("What the server offers")
    check("STARTTLS:" in s and "PIPELINING:" in s, "capabilities explained:\n" + s)
    check("answers EHLO me.example" in s, "the reply is explained in context")
    t.type("STARTTLS")
    s = t.wait("certificate verified")
    check("TLSv1." in status_row(t.screen()), "status bar shows TLS: %r" % status_row(s))
    t.type("EHLO me.example")
    t.wait("~> EHLO me.example")
    t.wait(lambda sc: sc.count("<~ 250") >= 2)
    t.type("/auth PLAIN")
    t.wait(prompt_is("user:"))
    t.type("student")
    t.wait(prompt_is("password:"))
    t.type("practice", enter=False)
    s = t.wait("password: ********")
    check("practice\n" not in s.split("password:")[1], "the password shows as asterisks")
    t.keys("Enter")
    s = t.wait("authenticated as student")
    check("AUTH PLAIN ****" in s, "the AUTH line is masked:\n" + s)
    check("AUTH student" in status_row(t.screen()), "status bar shows AUTH")
    # Tab completes the template and leaves the cursor between the brackets.
    t.type("MA", enter=False)
    t.keys("Tab")
    t.wait(prompt_is("smtp> MAIL FROM:<>"))
    t.type("a@example.org")
    s = t.wait("answers MAIL FROM:<a@example.org>")
    t.type("AUTH ", enter=False)
    t.keys("Tab")
    t.keys("Tab")
    t.wait("Tab: CRAM-MD5 LOGIN PLAIN")
    t.keys("C-u")
    t.type("RCPT TO:<b@example.org>")
    s = t.wait("answers RCPT TO:<b@example.org>")
    check("in transaction" in status_row(s), "state in the status bar: %r" % status_row(s))
    # Walk back: F2 twice shows the MAIL reply's explanation again.
    t.keys("F2")
    t.keys("F2")
    s = t.wait("Selected reply")
    check("answers MAIL FROM:<a@example.org>" in s, "F2 selects the earlier reply:\n" + s)
    t.keys("F4")
    t.wait("answers RCPT TO:<b@example.org>")
    # Resize to 80x24: the layout follows, nothing is lost.
    t.resize(80, 24)
    s = t.wait(lambda sc: len(sc.rstrip("\n").split("\n")) <= 24 and "explanation" in sc)
    rows = s.rstrip("\n").split("\n")
    check(rows[0].startswith(" ehlo  127.0.0.1:"), "status bar at 80x24: %r" % rows[0])
    check(all(len(r) <= 80 for r in rows), "no row wider than 80")
    check(rows[-2].startswith(" F1 help ") and rows[-2].rstrip().endswith("/quit"),
          "key line whole at 80 columns: %r" % rows[-2])
    t.type("NOOP")
    s = t.wait("answers NOOP")
    check(t.screen().rstrip("\n").split("\n")[-1].startswith("smtp>"), "prompt on the last row")
    t.keys("F1")
    t.wait("keys and commands")
    t.keys("q")
    t.wait(lambda sc: "keys and commands" not in sc)
    quit_and_check(t)
    hist = os.path.join(env.state, "ehlo", "history")
    check(os.path.exists(hist), "history file written")
    check(stat.S_IMODE(os.stat(hist).st_mode) == 0o600, "history mode 0600")
    text = open(hist).read()
    check("EHLO me.example" in text, "history keeps commands")
    check("practice" not in text and "AUTH" not in text and "student" not in text,
          "no secret in history: %r" % text)


def case_serve_unverified(ehlo, env):
    """`ehlo serve` + `ehlo 127.0.0.1:PORT`: its certificate is not trusted, so STARTTLS
    stops with the certificate shown and explained and a y/N question; "y" goes on."""
    port = env.start([ehlo, "serve", "--listen", "127.0.0.1:0"], marker="listening on ")
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    t.wait("<- 220 ")
    t.type("EHLO me.example")
    t.wait("250 ")
    t.type("STARTTLS")
    s = t.wait("go on without verification? [y/N]")
    check("failed verification" in s, "the failure is shown:\n" + s)
    check("cannot prove" in s, "and explained")
    check("not connected" in status_row(s) or "waiting for your answer" in status_row(s),
          "the session stops: %r" % status_row(s))
    t.type("y")
    s = t.wait("NOT VERIFIED")
    t.wait(lambda sc: "~> EHLO" in sc and sc.count("<~ 250") >= 1)
    check("NOT VERIFIED" in status_row(t.screen()), "the status bar says so")
    quit_and_check(t)


def case_serve_refuse(ehlo, env):
    """Answering N (or just Enter) to the certificate question stops the session."""
    port = env.start([ehlo, "serve", "--listen", "127.0.0.1:0"], marker="listening on ")
    t = Tmux(env, [ehlo, "--tls", "127.0.0.1:%d" % port])
    t.wait("go on without verification? [y/N]")
    t.type("")
    s = t.wait("stopped: not going on")
    check("not connected" in status_row(s), "not connected after N: %r" % status_row(s))
    quit_and_check(t, 4)  # TLS refused


def start_aiosmtpd(env):
    """aiosmtpd with STARTTLS and AUTH for student; returns (port, cert path)."""
    cert, key = env.cert()
    os.makedirs(env.path("out"), exist_ok=True)
    e = env.vars()
    e["EHLO_TEST_PASSWORD"] = "s3cret-pw"
    port = env.start(env.aiosmtpd_argv(env.path("out"), cert, key), env=e)
    return port, cert


def case_aiosmtpd(ehlo, env):
    """aiosmtpd: STARTTLS by hand (trusted with --cafile), /auth LOGIN, MAIL, RCPT, DATA
    (the composer left with Esc) typed by hand with a line starting with "." kept intact,
    /save, /quit."""
    port, cert = start_aiosmtpd(env)
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port, "--cafile", cert])
    t.wait("<- 220 ")
    t.type("EHLO me.example")
    t.wait("What the server offers")
    t.type("/starttls")
    t.wait("certificate verified")
    t.type("EHLO me.example")
    t.wait(lambda sc: "AUTH LOGIN" in sc or "AUTH PLAIN" in sc)
    t.type("/auth LOGIN")
    t.wait(prompt_is("user:"))
    t.type("student")
    t.wait(prompt_is("password:"))
    t.type("s3cret-pw")
    s = t.wait("authenticated as student")
    check("s3cret-pw" not in s, "the password never shows")
    t.type("MAIL FROM:<a@example.org>")
    t.wait("answers MAIL FROM:<a@example.org>")
    t.type("RCPT TO:<b@example.org>")
    t.wait("answers RCPT TO:<b@example.org>")
    t.type("DATA")
    # The composer opens on 354; Esc leaves it and the message is typed by hand.
    t.wait("what would go wrong:")
    t.keys("Escape")
    t.wait(prompt_is("data>"))
    t.type("Subject: explorer test")
    t.type("")
    t.type(".leading dot")
    t.wait('sent as ".."')
    t.type(".")
    s = t.wait("queued as tui1")
    body = open(env.path("out/msg-1.eml"), "rb").read()
    check(b"\r\n.leading dot\r\n" in body or b"\n.leading dot\n" in body,
          "the dot survived: %r" % body)
    check(b"..leading" not in body, "the server removed the stuffing")
    t.type("/explain 5.7.26")
    s = t.wait("/explain (F4: back)")
    check("5.7.26" in s, "/explain shows the code in the panel:\n" + s)
    t.keys("F4")
    t.wait(lambda sc: "/explain (F4: back)" not in sc)
    saved = env.path("session.txt")
    t.type("/save " + saved)
    t.wait("transcript saved")
    check(stat.S_IMODE(os.stat(saved).st_mode) == 0o600, "/save writes 0600")
    text = open(saved, errors="replace").read()
    check("MAIL FROM:<a@example.org>" in text, "the transcript holds the session")
    check("s3cret-pw" not in text and "czNjcmV0LXB3" not in text, "no secret in /save")
    quit_and_check(t)


def case_hostile(ehlo, env):
    """A server whose every reply carries escape sequences: the pane title, the screen and
    the cursor stay ours; the sequences show as visible marks."""
    port = env.start([PY, os.path.join(HERE, "hostile_server.py")])
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    before = t.title()
    s = t.wait("<- 220 evil.test")
    t.type("EHLO me.example")
    s = t.wait("X-EVIL")
    t.type("NOOP")
    s = t.wait(lambda sc: sc.count("RED") >= 4)
    check("PWNED" not in t.title(), "the title changed: %r" % t.title())
    check(t.title() == before, "title %r became %r" % (before, t.title()))
    check("^[]0;PWNED-TITLE^G" in s, "the escape shows as marks:\n" + s)
    rows = s.split("\n")
    check(rows[0].startswith(" ehlo  127.0.0.1:"), "the status bar stayed: %r" % rows[0])
    check("<- 220 evil.test" in s and "-> EHLO me.example" in s, "the session stayed")
    check(rows[39 if len(rows) > 39 else -1].startswith("smtp>") or "smtp>" in rows[-2] or
          any(r.startswith("smtp>") for r in rows[-3:]), "the prompt stayed at the bottom")
    quit_and_check(t)


def colours_used(t):
    """The pane with attributes: True when any foreground colour is set."""
    raw = t.tmux("capture-pane", "-p", "-e", "-t", "t")
    return re.search(r"\x1b\[[0-9;]*(3[0-7]|38;5;[0-9]+|9[0-7])[;m]", raw) is not None


def case_no_color(ehlo, env):
    """NO_COLOR: no colour at all, while the default run has colours."""
    t = Tmux(env, [ehlo])
    t.wait("Service ready")
    check(colours_used(t), "the default run uses colours")
    quit_and_check(t)
    t.kill()
    t = Tmux(env, ["env", "NO_COLOR=1", ehlo])
    t.wait("Service ready")
    t.type("EHLO me.example")
    t.wait("What the server offers")
    check(not colours_used(t), "NO_COLOR is honoured")
    t.type("NOOP")
    t.wait("answers NOOP")
    t.type("/find pipelining")
    s = t.wait("Selected reply")
    check("answers EHLO me.example" in s, "/find selects the reply holding the text:\n" + s)
    t.type("/find no-such-text")
    t.wait("not found: no-such-text")
    t.type("/clear")
    t.wait(lambda sc: "<- 250-PIPELINING" not in sc)
    t.type("/reconnect")
    s = t.wait(lambda sc: "<- 220 " in sc)
    check("greeted" in status_row(s) or "waiting" in status_row(s), status_row(s))
    quit_and_check(t)


def case_plain_tty(ehlo, env):
    """--plain on a terminal: a readline prompt, /auth with the password hidden (no echo),
    the prompt changing with what ehlo asks, /quit."""
    t = Tmux(env, [ehlo, "--plain"])
    t.wait(prompt_is("smtp>"))
    t.type("EHLO me.example")
    t.wait("   > ")
    t.type("/auth PLAIN")
    t.wait(prompt_is("user:"))
    t.type("student")
    t.wait(prompt_is("password: (hidden)"))
    t.type("practice")
    s = t.wait("authenticated as student")
    check("practice\n" not in s.split("(hidden)")[1], "the password was echoed:\n" + s)
    check("smtp> user:" not in s and "user: /auth" not in s, "prompts drawn cleanly:\n" + s)
    t.type("MAIL FROM:<a@example.org>")
    t.wait("-> MAIL FROM:<a@example.org>")
    quit_and_check(t)
    hist = open(os.path.join(env.state, "ehlo", "history")).read()
    check("MAIL FROM:<a@example.org>" in hist and "practice" not in hist, repr(hist))


def case_auth_by_hand(ehlo, env):
    """AUTH LOGIN typed by hand: each 334 decoded in the session and the panel, the answers
    typed hidden (asterisks) and masked in the session pane."""
    t = Tmux(env, [ehlo])
    t.wait("Service ready")
    t.type("EHLO me.example")
    t.wait("What the server offers")
    t.type("AUTH LOGIN")
    s = t.wait("decoded: Username:")
    check("The server asks" in s, "the panel explains the challenge:\n" + s)
    t.wait(prompt_is("auth (hidden)>"))
    t.type("c3R1ZGVudA==", enter=False)
    t.wait(prompt_is("auth (hidden)> ************"))
    t.keys("Enter")
    t.wait("decoded: Password:")
    t.type("cHJhY3RpY2U=")
    s = t.wait("<- 235 ")
    check("c3R1ZGVudA==" not in s and "cHJhY3RpY2U=" not in s, "an answer showed:\n" + s)
    check(s.count("-> ****") == 2, "both answers masked:\n" + s)
    t.wait(prompt_is("smtp>"))
    quit_and_check(t)


def case_lang_es(ehlo, env):
    """`ehlo --lang es`: the explorer's own words are Spanish too (status bar, panel
    headings, driver messages, key line, help screen, STARTTLS), none of them left in
    English, and the status bar and key line fit at 80x24."""
    t = Tmux(env, [ehlo, "--lang", "es"])
    s = t.wait("Servicio listo")
    row = status_row(s)
    check(row.startswith(" ehlo  127.0.0.1:"), "status bar: %r" % row)
    for want in ("sin TLS", "sin AUTH", "respuestas"):
        check(want in row, "%r in the status bar: %r" % (want, row))
    for gone in ("no TLS", "no AUTH", "replies", "waiting", "ready", "greeted"):
        check(gone not in row, "English %r in the status bar: %r" % (gone, row))
    for want in ("== servidor de práctica en 127.0.0.1", "cuenta de prueba",
                 "== conectando con 127.0.0.1, puerto ", "== conectado con 127.0.0.1, puerto "):
        check(want in s, "driver message %r missing:\n%s" % (want, s))
    for gone in ("practice server on", "demo account", "connecting to", "connected to",
                 " port "):
        check(gone not in s, "English driver message %r:\n%s" % (gone, s))
    t.type("EHLO me.example")
    s = t.wait("Lo que ofrece el servidor")
    check("responde a EHLO me.example" in s, "the panel says what the reply answers:\n" + s)
    check("Aquí" in s and "Qué hacer ahora" in s, "panel headings in Spanish:\n" + s)
    for gone in ("What the server offers", "answers EHLO", "What to do next", "Explanation",
                 "Here\n"):
        check(gone not in s, "English %r in the panel:\n%s" % (gone, s))
    check("listo" in status_row(s), "state in Spanish: %r" % status_row(s))
    keys = s.rstrip("\n").split("\n")[-2]
    check(keys.startswith(" F1 ayuda ") and keys.rstrip().endswith("/quit"),
          "key line in Spanish, whole: %r" % keys)
    check("help" not in keys and "newest" not in keys, "English in the key line: %r" % keys)
    t.type("STARTTLS")
    s = t.wait("TLS activo")
    check("certificado verificado" in s, "the certificate check in Spanish:\n" + s)
    check("verificado" in status_row(t.screen()), "TLS state in the status bar")
    check("certificate verified" not in s and "TLS is up" not in s, "English TLS words:\n" + s)
    t.type("/bogus")
    s = t.wait("orden desconocida /bogus")
    check("unknown command" not in s, "English error:\n" + s)
    # 80x24: the status bar drops what does not fit, the key line fits whole.
    t.resize(80, 24)
    s = t.wait(lambda sc: len(sc.rstrip("\n").split("\n")) <= 24 and "explicación" in sc)
    rows = s.rstrip("\n").split("\n")
    check(rows[0].startswith(" ehlo  127.0.0.1:") and "sin AUTH" in rows[0],
          "status bar at 80x24: %r" % rows[0])
    check(all(len(r) <= 80 for r in rows), "no row wider than 80")
    check(rows[-2].startswith(" F1 ayuda ") and rows[-2].rstrip().endswith("/quit"),
          "key line whole at 80 columns: %r" % rows[-2])
    t.keys("F1")
    s = t.wait("teclas y órdenes")
    check("Escriba SMTP como en telnet" in s and "La pantalla de redacción" in s,
          "help screen in Spanish:\n" + s)
    check("Type SMTP" not in s and "The composer" not in s, "English help:\n" + s)
    check("cualquier tecla: cerrar la ayuda" in s, "help key line in Spanish:\n" + s)
    t.keys("q")
    t.wait(lambda sc: "teclas y órdenes" not in sc)
    quit_and_check(t)


CASES = {
    "lang_es": case_lang_es,
    "auth_by_hand": case_auth_by_hand,
    "plain_tty": case_plain_tty,
    "no_color": case_no_color,
    "practice_inproc": case_practice_inproc,
    "serve_unverified": case_serve_unverified,
    "serve_refuse": case_serve_refuse,
    "aiosmtpd": case_aiosmtpd,
    "hostile": case_hostile,
}

if __name__ == "__main__":
    sys.exit(run(CASES))

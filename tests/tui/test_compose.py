#!/usr/bin/python3
"""End-to-end tests of the guided composer, driven in tmux: `test_compose.py EHLO CASE`.

Each case starts what it needs on 127.0.0.1 (free ports): the practice server writing a
Maildir, the in-process practice server, or a server that stops reading after 354. It
types like a user (DATA, the body, Ctrl-D, Esc, F2, F3, F4) and checks the screen, the
Maildir and the draft file under the test's own XDG_STATE_HOME.
"""
import os
import re
import signal
import stat
import sys
import time

from tuitest import PY, HERE, Env, Fail, Tmux, check, run

LINT = "what would go wrong:"


def start_serve(env, *extra):
    """`ehlo serve` with a Maildir; returns (port, maildir)."""
    md = env.path("maildir")
    port = env.start([EHLO[0], "serve", "--listen", "127.0.0.1:0", "--maildir", md] +
                     list(extra), marker="listening on ")
    return port, md


def draft_file(env):
    """Where the draft of this test's explorer lives."""
    return os.path.join(env.state, "ehlo", "draft.eml")


def open_composer(t, rcpt="b@example.org"):
    """EHLO, MAIL, RCPT and DATA typed by hand; returns the screen once the composer shows."""
    t.wait("<- 220 ")
    t.type("EHLO me.example")
    t.wait("<- 250 ")
    t.type("MAIL FROM:<a@example.org>")
    t.type("RCPT TO:<%s>" % rcpt)
    t.wait(lambda sc: sc.count("<- 250 ") >= 3)
    t.type("DATA")
    return t.wait(LINT)


def messages(md, count=1, timeout=15.0):
    """The messages in md/new once there are count of them (bytes)."""
    deadline = time.time() + timeout
    new = os.path.join(md, "new")
    names = []
    while time.time() < deadline:
        names = sorted(os.listdir(new)) if os.path.isdir(new) else []
        if len(names) >= count:
            break
        time.sleep(0.05)
    check(len(names) == count, "%d message(s) in the Maildir, not %d" % (len(names), count))
    out = []
    for n in names:
        with open(os.path.join(new, n), "rb") as f:
            out.append(f.read())
    return out


def body_lines(msg):
    """The body's lines of a stored message (after the first empty line)."""
    text = msg.replace(b"\r\n", b"\n")
    return text.split(b"\n\n", 1)[1].split(b"\n")


def case_lone_dot_sent(ehlo, env):
    """DATA -> 354 opens the composer with the headers from the envelope and the cursor in
    the body; a lone "." line is warned about with its line number; the wire view shows it
    stuffed and the end of data ehlo adds; Ctrl-D sends; the Maildir holds the "." line."""
    port, md = start_serve(env)
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    s = open_composer(t)
    check(re.search(r"^ +2  From: a@example.org", s, re.M), "From from the envelope:\n" + s)
    check(re.search(r"^ +3  To: b@example.org", s, re.M), "To from the envelope:\n" + s)
    check("Subject: " in s and "Date: " in s and "Message-ID: <" in s, "headers shown:\n" + s)
    check("nothing: the message goes out as written" in s, "no findings yet:\n" + s)
    body = int(re.search(r"^ +(\d+)  \(empty line: headers above", s, re.M).group(1)) + 1
    # The cursor starts in the body: typing lands on the first body line.
    t.type("first line")
    t.type(".")
    t.type("last line", enter=False)
    s = t.wait('a line of only "." would end the message')
    check('line %d: a line of only "." would end the message' % (body + 1) in s,
          "the warning names line %d:\n%s" % (body + 1, s))
    check(re.search(r"^ +%d  first line" % body, s, re.M), "typed into the body:\n" + s)
    check(re.search(r"^ +%d! \.$" % (body + 1), s, re.M), "the line is marked:\n" + s)
    t.keys("F2")
    s = t.wait("WIRE VIEW")
    check(re.search(r"^ +%d  \.\.<CRLF>  <- dot added" % (body + 1), s, re.M),
          "the wire view shows the stuffed dot:\n" + s)
    check(".<CRLF>  <- ehlo adds this: the end of data" in s, "and the end of data:\n" + s)
    check("last line<CRLF>" in s, "CRLF marks:\n" + s)
    t.keys("F2")
    t.wait(lambda sc: "WIRE VIEW" not in sc)
    t.wait(lambda sc: "draft saved" in sc)
    check(os.path.exists(draft_file(env)), "the draft is saved while typing")
    t.keys("C-d")
    s = t.wait("the server took the message")
    check("<- 250 " in s and "queued as" in s, "the reply is shown:\n" + s)
    check("Explanation" in s or "explanation" in s, "and explained:\n" + s)
    msg = messages(md)[0]
    lines = body_lines(msg)
    check(lines[:3] == [b"first line", b".", b"last line"],
          "the message arrived with the \".\" line intact: %r" % lines[:4])
    check(not os.path.exists(draft_file(env)), "the draft is removed after 250")
    t.type("/quit")
    t.wait("EHLO-EXIT:0")


def case_esc_keeps_draft(ehlo, env):
    """Esc leaves without sending and keeps the draft (0600); after the explorer is killed,
    the next run's /compose offers it back: its sender and recipient as defaults, and the
    composer opens with the text."""
    t = Tmux(env, [ehlo])
    open_composer(t, rcpt="b@example.org")
    t.type("my draft body 4711", enter=False)
    t.wait("my draft body 4711")
    t.keys("Escape")
    s = t.wait("composer closed, draft kept")
    check("\ndata>" in s, "the server still waits in DATA:\n" + s)
    path = draft_file(env)
    check(os.path.exists(path), "a draft file exists at " + path)
    check(stat.S_IMODE(os.stat(path).st_mode) == 0o600, "the draft is mode 0600")
    with open(path, "rb") as f:
        check(b"my draft body 4711" in f.read(), "the draft holds the text")
    # F7 reopens it while the server waits.
    t.keys("F7")
    t.wait(LINT)
    t.keys("Escape")
    t.wait("composer closed, draft kept")
    t.kill()  # as if ehlo were killed
    t = Tmux(env, [ehlo])
    t.wait("<- 220 ")
    t.type("EHLO me.example")
    t.wait("<- 250 ")
    t.type("/compose")
    s = t.wait("your saved draft (Subject: ehlo test, ")
    s = t.wait(lambda sc: "MAIL FROM (empty: a@example.org):" in sc)
    t.type("")
    s = t.wait("RCPT TO (empty: b@example.org):")
    check("-> MAIL FROM:<a@example.org>" in s, "the draft's sender went out:\n" + s)
    s = t.wait("answers MAIL FROM:<a@example.org>")  # the reply explained on the way
    t.type("")
    t.wait("RCPT TO (empty line: done):")
    t.type("")
    s = t.wait(LINT)
    check("my draft body 4711" in s, "the composer opens the draft:\n" + s)
    check("your saved draft is back" in s, "and says so:\n" + s)
    t.keys("C-d")
    t.wait("the server took the message")
    check(not os.path.exists(path), "sent: the draft is removed")


def case_bare_lf_paste(ehlo, env):
    """A pasted body with bare LFs: the lint names each line, the wire view marks them, and
    it goes out as CRLF (the practice server refuses bare LFs, and it takes this one)."""
    port, md = start_serve(env)
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    s = open_composer(t)
    body = int(re.search(r"^ +(\d+)  \(empty line: headers above", s, re.M).group(1)) + 1
    t.type("alpha\nbeta\ngamma", enter=False)
    s = t.wait("ends with a bare LF")
    # 80x24: the composer lays out again, the findings still shown.
    t.resize(80, 24)
    s = t.wait(lambda sc: len(sc.split("\n")[0].rstrip()) <= 80 and "F1 help" in sc
               and "line %d: ends with a bare LF" % body in sc)
    t.resize(120, 40)
    for n in (body, body + 1):
        check("line %d: ends with a bare LF" % n in s, "line %d named:\n%s" % (n, s))
    t.keys("F2")
    s = t.wait("WIRE VIEW")
    check("alpha<CRLF>  <- was a bare LF: CRLF goes out" in s, "wire view:\n" + s)
    t.keys("C-d")
    t.wait("the server took the message")
    lines = body_lines(messages(md)[0])
    check(lines[:3] == [b"alpha", b"beta", b"gamma"], "the lines arrived: %r" % lines)


def case_manual_dot(ehlo, env):
    """Manual mode (F4): the user's own "." line ends the data; the lint says so; the lines
    after it are not sent; the server's answer is shown."""
    port, md = start_serve(env)
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    open_composer(t)
    t.keys("F4")
    t.wait("manual: you end the data")
    t.type("kept")
    t.type(".")
    t.type("never sent", enter=False)
    s = t.wait("ends the message here (manual")
    t.keys("F2")
    s = t.wait("WIRE VIEW")
    check("(not sent: after your \".\" line" in s, "the wire view says what is cut:\n" + s)
    t.keys("C-d")
    s = t.wait("the server took the message")
    lines = body_lines(messages(md)[0])
    check(b"kept" in lines and b"never sent" not in lines,
          "the data ended at the user's dot: %r" % lines)


def case_rejected_keeps_draft(ehlo, env):
    """Over the advertised SIZE: the lint warns, the server refuses after the final dot,
    and the draft stays for the next try."""
    port, md = start_serve(env, "--scenario", "size-limit")
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    open_composer(t)
    t.type("x" * 900)
    for _ in range(12):
        t.type("y" * 900)
    s = t.wait("over the SIZE 10240")
    t.keys("C-d")
    s = t.wait("the server refused the message")
    check("<- 552 " in s, "the refusal is shown:\n" + s)
    check(os.path.exists(draft_file(env)), "the draft is kept after a refusal")


def case_drop_mid_send(ehlo, env):
    """$EDITOR (F3) makes a 7 MB body; Ctrl-D shows a progress bar while the server stops
    reading; the server is killed mid-send: the composer says the connection is gone and
    the draft is kept whole."""
    port = env.start([PY, os.path.join(HERE, "stall_server.py")])
    editor = env.path("editor.sh")
    with open(editor, "w") as f:
        f.write("#!/bin/sh\nyes 'a line of the long body, seventy bytes or so, to make it large'"
                " | head -n 100000 >> \"$1\"\necho 'the last line' >> \"$1\"\n")
    os.chmod(editor, 0o755)
    e = env.vars()
    e["EDITOR"] = editor
    e.pop("VISUAL", None)
    t = Tmux(env, ["env", "EDITOR=" + editor, ehlo, "127.0.0.1:%d" % port])
    open_composer(t)
    t.keys("F3")
    s = t.wait("back from the editor", timeout=30)
    t.keys("C-d")
    s = t.wait(lambda sc: re.search(r"\[#*\.+\] +\d+%", sc) is not None, timeout=30)
    server = env.procs[0]
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    s = t.wait("the connection is gone: your draft is kept", timeout=30)
    with open(draft_file(env), "rb") as f:
        d = f.read()
    check(len(d) > 6_000_000 and d.endswith(b"the last line\n"),
          "the whole draft is kept (%d bytes)" % len(d))


EHLO = [None]


def main():
    """Run one case."""
    EHLO[0] = sys.argv[1]
    return run({
        "lone_dot_sent": case_lone_dot_sent,
        "esc_keeps_draft": case_esc_keeps_draft,
        "bare_lf_paste": case_bare_lf_paste,
        "manual_dot": case_manual_dot,
        "rejected_keeps_draft": case_rejected_keeps_draft,
        "drop_mid_send": case_drop_mid_send,
    })


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The explorer stays live while it connects and while a TLS handshake waits:
`test_connect.py EHLO CASE`. The servers never answer, all on 127.0.0.1 (hang_server.py):
a full accept queue makes connect hang like a dead host; a silent one never answers the
ClientHello. While waiting, the status bar clock runs, a resize redraws, and /quit, Esc,
Ctrl-C or SIGINT give up at once (the connect timeout is 15 s: every wait here is shorter).
"""
import os
import re
import signal
import subprocess
import sys
import time

from tuitest import PY, HERE, Fail, Tmux, check, run

SERVER = os.path.join(HERE, "hang_server.py")


def status_row(screen):
    """The first row of the pane: the status bar."""
    return screen.split("\n", 1)[0]


def clock(screen):
    """The hh:mm:ss on the status bar, or None."""
    m = re.search(r"(\d\d):(\d\d):(\d\d)", status_row(screen))
    return None if m is None else int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def clock_runs(t):
    """The status bar clock must advance while nothing else happens."""
    first = clock(t.screen())
    check(first is not None, "no clock on the status bar: %r" % status_row(t.screen()))
    s = t.wait(lambda sc: clock(sc) is not None and clock(sc) > first, timeout=5)
    return s


def quit_at_once(t, how):
    """how() ends the explorer; it must be gone well before the 15 s connect timeout."""
    how()
    s = t.wait("EHLO-EXIT:", timeout=5)
    check("EHLO-EXIT:0" in s, "exit code: %s" % s)


def resize_redraws(t, want):
    """After a resize to 80x24 the status bar and the key line are drawn in the new size."""
    t.resize(80, 24)
    s = t.wait(lambda sc: len(sc.rstrip("\n").split("\n")) <= 24 and "F1 help" in sc and
               want in status_row(sc), timeout=5)
    check(all(len(line) <= 80 for line in s.split("\n")), "lines wider than 80:\n" + s)
    return s


def case_hang_quit(ehlo, env):
    """A host that never answers: 'connecting to ...' with the clock running, a resize
    redraws, and /quit ends ehlo at once."""
    port = env.start([PY, SERVER, "backlog"])
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    want = "connecting to 127.0.0.1 port %d" % port
    s = t.wait(want)
    check(want in status_row(s), "status bar while connecting: %r" % status_row(s))
    clock_runs(t)
    resize_redraws(t, want)
    clock_runs(t)
    quit_at_once(t, lambda: t.type("/quit"))


def case_hang_esc_reconnect(ehlo, env):
    """Esc gives up the connect and the explorer stays, not connected; /reconnect tries
    again and Ctrl-C gives that one up too; typing meanwhile is refused with the reason."""
    port = env.start([PY, SERVER, "backlog"])
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    want = "connecting to 127.0.0.1 port %d" % port
    t.wait(want)
    t.type("EHLO me.example")
    t.wait("still connecting (Esc cancels)")
    t.keys("Escape")
    s = t.wait("connect cancelled")
    check("not connected" in status_row(s), "status after Esc: %r" % status_row(s))
    check(clock(s) is None, "no clock once given up: %r" % status_row(s))
    t.type("/reconnect")
    s = t.wait(lambda sc: want in status_row(sc))
    clock_runs(t)
    t.keys("C-c")
    s = t.wait(lambda sc: sc.count("connect cancelled") >= 2)
    check("not connected" in status_row(s), "status after Ctrl-C: %r" % status_row(s))
    quit_at_once(t, lambda: t.type("/quit"))


def case_hang_sigint(ehlo, env):
    """SIGINT (as from kill) ends the explorer while it connects."""
    port = env.start([PY, SERVER, "backlog"])
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    t.wait("connecting to 127.0.0.1 port %d" % port)
    pid = t.tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip()
    # The pane runs sh -c "ehlo ...; echo": signal ehlo, the shell's child.
    kids = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True, timeout=10)
    check(kids.stdout.strip() != "", "ehlo's pid not found under %s" % pid)
    quit_at_once(t, lambda: os.kill(int(kids.stdout.split()[0]), signal.SIGINT))


def case_tls_silent(ehlo, env):
    """--tls-on-connect to a server that never answers the ClientHello: the handshake is
    shown as waited on, the clock runs, a resize redraws, and /quit ends ehlo at once."""
    port = env.start([PY, SERVER, "silent"])
    t = Tmux(env, [ehlo, "--tls-on-connect", "127.0.0.1:%d" % port])
    want = "TLS handshake with 127.0.0.1 port %d" % port
    s = t.wait(lambda sc: want in status_row(sc))
    check("starting the TLS handshake" in s, "the handshake is announced:\n" + s)
    clock_runs(t)
    resize_redraws(t, want)
    quit_at_once(t, lambda: t.type("/quit"))


def case_starttls_silent(ehlo, env):
    """STARTTLS typed by hand, then a server that never answers the ClientHello: the
    session shows the handshake, the clock runs, lines typed meanwhile are refused, and
    Esc does not cut the session (only the handshake timeout or /quit ends it)."""
    port = env.start([PY, SERVER, "starttls"])
    t = Tmux(env, [ehlo, "127.0.0.1:%d" % port])
    t.wait("<- 220 hang.test")
    t.type("EHLO me.example")
    t.wait("<- 250 STARTTLS")
    t.type("STARTTLS")
    s = t.wait("starting the TLS handshake")
    check("TLS handshake" in status_row(s), "status during the handshake: %r" % status_row(s))
    clock_runs(t)
    t.type("NOOP")
    t.wait("the TLS handshake is running")
    quit_at_once(t, lambda: t.type("/quit"))


def plain_sigint(ehlo, env, argv, want):
    """ehlo --plain, its stdin a pipe held open: SIGINT while waiting ends it with code 3."""
    out = env.path("plain.out")
    with open(out, "wb") as f:
        p = subprocess.Popen([ehlo, "--plain"] + argv, stdin=subprocess.PIPE, stdout=f,
                             stderr=subprocess.STDOUT, env=env.vars())
    env.procs.append(p)
    deadline = time.time() + 10
    text = ""
    while time.time() < deadline and want not in text:
        time.sleep(0.05)
        with open(out, "r", errors="replace") as f:
            text = f.read()
    check(want in text, "never saw %r:\n%s" % (want, text))
    check(p.poll() is None, "ehlo ended by itself:\n" + text)
    p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        raise Fail("--plain did not end on SIGINT while waiting")
    check(rc == 3, "exit code %d after SIGINT (3: connect given up)" % rc)


def case_plain_hang_sigint(ehlo, env):
    """--plain against a host that never answers: SIGINT ends it at once with code 3."""
    port = env.start([PY, SERVER, "backlog"])
    plain_sigint(ehlo, env, ["127.0.0.1:%d" % port], "connecting to 127.0.0.1 port %d" % port)


def case_plain_tls_silent_sigint(ehlo, env):
    """--plain --tls-on-connect, the ClientHello never answered: SIGINT ends it with 3."""
    port = env.start([PY, SERVER, "silent"])
    plain_sigint(ehlo, env, ["--tls-on-connect", "127.0.0.1:%d" % port],
                 "starting the TLS handshake")


CASES = {
    "hang_quit": case_hang_quit,
    "hang_esc_reconnect": case_hang_esc_reconnect,
    "hang_sigint": case_hang_sigint,
    "tls_silent": case_tls_silent,
    "starttls_silent": case_starttls_silent,
    "plain_hang_sigint": case_plain_hang_sigint,
    "plain_tls_silent_sigint": case_plain_tls_silent_sigint,
}

if __name__ == "__main__":
    sys.exit(run(CASES))

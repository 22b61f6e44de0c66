#!/usr/bin/python3
"""Helpers for the explorer's end-to-end tests: temporary HOME and XDG_STATE_HOME, servers
started on 127.0.0.1 with a port picked by the kernel (each prints "PORT n"), a test
certificate made with openssl, and a tmux server of our own (unique socket, killed at the
end) whose pane is polled with a deadline instead of fixed sleeps.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import testlib  # noqa: E402

PY = "/usr/bin/python3"


class Fail(Exception):
    """A check that did not hold."""


def check(cond, what):
    """Raise Fail with what unless cond."""
    if not cond:
        raise Fail(what)


class Env:
    """A temporary home for one test, removed at the end."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ehlo-tui-test-")
        self.home = os.path.join(self.dir, "home")
        self.state = os.path.join(self.dir, "state")
        os.makedirs(self.home)
        os.makedirs(self.state)
        self.procs = []
        self.tmuxes = []

    def vars(self):
        """The environment the explorer runs with."""
        env = dict(os.environ)
        env.update({"HOME": self.home, "XDG_STATE_HOME": self.state, "TERM": "xterm-256color",
                    "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": self.dir})
        env.pop("NO_COLOR", None)
        env.pop("LANGUAGE", None)
        env.pop("TMUX", None)  # our own tmux server, even when the tests run inside tmux
        return env

    def path(self, name):
        """A file in the temporary directory."""
        return os.path.join(self.dir, name)

    def start(self, argv, env=None, marker="PORT ", timeout=15.0):
        """Start a server that prints a line with marker and the port; return the port.
        Its output goes to a file (a pipe nobody reads could fill up and stall it)."""
        log = self.path("server-%d.log" % len(self.procs))
        with open(log, "wb") as out:
            p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                 env=env or self.vars(), start_new_session=True)
        self.procs.append(p)
        self.logs = getattr(self, "logs", []) + [log]
        deadline = time.time() + timeout
        text = ""
        while time.time() < deadline:
            with open(log, "r", errors="replace") as f:
                text = f.read()
            for line in text.splitlines():
                if marker in line:
                    rest = line.split(marker, 1)[1].strip()
                    return int(rest.rsplit(":", 1)[-1].split()[0])
            if p.poll() is not None:
                break
            time.sleep(0.05)
        raise Fail("server %r did not report its port: %r" % (argv, text))

    def cert(self):
        """A certificate and key for localhost and 127.0.0.1 (openssl); returns paths."""
        return testlib.make_cert(self.dir)

    def aiosmtpd_argv(self, out, cert, key):
        """The shared aiosmtpd server as the explorer's tests use it: STARTTLS with cert,
        AUTH after TLS for student (password from EHLO_TEST_PASSWORD), messages in out."""
        return [PY, testlib.AIOSMTPD_SERVER, "--out", out, "--cert", cert, "--key", key,
                "--auth-user", "student", "--timeout", "60", "--queue-id", "tui%d"]

    def close(self):
        """Kill what was started and remove the directory."""
        for t in self.tmuxes:
            t.kill()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Tmux:
    """One tmux server (its own socket) with one pane running a command."""

    def __init__(self, env, argv, x=120, y=40):
        self.sock = "ehlo-tui-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
        self.env = env
        env.tmuxes.append(self)
        conf = env.path("tmux.conf")
        with open(conf, "w") as f:
            f.write("set -g status off\nset -g history-limit 0\n")
        cmd = " ".join("'%s'" % a.replace("'", "'\\''") for a in argv)
        shell = "%s; echo EHLO-EXIT:$?; sleep 120" % cmd
        self.tmux("-f", conf, "new-session", "-d", "-s", "t", "-x", str(x), "-y", str(y),
                  "sh", "-c", shell)

    def tmux(self, *args, check_rc=True):
        """Run a tmux command on our server."""
        r = subprocess.run(["tmux", "-L", self.sock] + list(args), capture_output=True,
                           env=self.env.vars(), timeout=20)
        if check_rc and r.returncode != 0:
            raise Fail("tmux %s: %s" % (args, r.stderr.decode(errors="replace")))
        return r.stdout.decode(errors="replace")

    def screen(self):
        """The pane as text."""
        return self.tmux("capture-pane", "-p", "-t", "t")

    def title(self):
        """The pane's title, as the program inside may have set it."""
        return self.tmux("display-message", "-p", "-t", "t", "#{pane_title}").strip()

    def wait(self, what, timeout=15.0):
        """Wait until the pane shows what (a string, or a function of the screen)."""
        deadline = time.time() + timeout
        s = ""
        while time.time() < deadline:
            s = self.screen()
            if (what(s) if callable(what) else what in s):
                return s
            time.sleep(0.05)
        raise Fail("timed out waiting for %r; the screen was:\n%s" % (what, s))

    def type(self, text, enter=True):
        """Type text literally, then Enter."""
        self.tmux("send-keys", "-t", "t", "-l", text)
        if enter:
            self.tmux("send-keys", "-t", "t", "Enter")

    def keys(self, *names):
        """Send named keys (F1, PageUp, C-c ...)."""
        self.tmux("send-keys", "-t", "t", *names)

    def resize(self, x, y):
        """Resize the window."""
        self.tmux("resize-window", "-t", "t", "-x", str(x), "-y", str(y))

    def kill(self):
        """Kill the tmux server and everything in it."""
        self.tmux("kill-server", check_rc=False)


def run(cases):
    """Run the case named by argv[2] with the ehlo binary from argv[1]."""
    ehlo, name = sys.argv[1], sys.argv[2]
    env = Env()
    try:
        cases[name](ehlo, env)
    except Fail as e:
        print("FAIL %s: %s" % (name, e))
        return 1
    finally:
        env.close()
    print("ok %s" % name)
    return 0

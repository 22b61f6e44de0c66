"""Shared pieces of the ehlo send integration tests.

Servers are started on 127.0.0.1 on ports the kernel picks (or, for smtp-sink, which
cannot report its port, a free port found by binding 0 first, retried on collision).
Every process started here is killed when the test ends, and every wait has a limit.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import testlib  # noqa: E402
from testlib import free_port, wait_listening  # noqa: E402,F401 (used by the test files)

PY = sys.executable
SMTP_SINK = "/usr/sbin/smtp-sink"


class Failure(Exception):
    """A check did not hold."""


def check(cond, what, *context):
    if not cond:
        raise Failure(what + "".join("\n--- " + str(c) for c in context))


class Result:
    """What one run of ehlo did."""

    def __init__(self, args, code, out, err):
        self.args = args
        self.code = code
        self.out = out
        self.err = err

    def __str__(self):
        return "ehlo send %s\nexit %s\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(self.args), self.code, self.out, self.err)

    def expect(self, code, *words):
        """Exit code as given, and each of words (case-insensitive) in stdout or stderr."""
        check(self.code == code, "expected exit %d, got %s" % (code, self.code), self)
        text = (self.out + self.err).lower()
        for w in words:
            check(w.lower() in text, "expected the words %r in the output" % w, self)
        return self


class Harness:
    """Temp dir, started processes, and a way to run ehlo; cleans everything up."""

    def __init__(self, ehlo):
        self.ehlo = ehlo
        self.dir = tempfile.mkdtemp(prefix="ehlo-send-test-")
        self.procs = []

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            for f in (p.stdout, p.stderr):
                if f:
                    f.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data, mode=0o644):
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)
        return p

    def run(self, *args, timeout=30, env=None, stdin=None):
        """Run ehlo with args; a run that takes longer than timeout is a failure (a hang)."""
        full_env = dict(os.environ)
        full_env["LC_ALL"] = "C.UTF-8"
        if env:
            full_env.update(env)
        try:
            p = subprocess.run([self.ehlo, "send"] + list(args), capture_output=True, timeout=timeout,
                               env=full_env, stdin=stdin if stdin is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise Failure("ehlo %s did not finish within %ss (hang)\nstdout:\n%s\nstderr:\n%s" % (
                " ".join(args), timeout, e.stdout, e.stderr))
        return Result(list(args), p.returncode, p.stdout.decode("utf-8", "replace"),
                      p.stderr.decode("utf-8", "replace"))

    def start_with_port(self, argv, env=None):
        """Start a server that prints "PORT n" first; return (process, port)."""
        try:
            p, port = testlib.start_with_port(argv, env=env)
        except testlib.NoPort as e:
            raise Failure(str(e))
        self.procs.append(p)
        return p, port

    def cert(self):
        """A self-signed certificate for localhost and 127.0.0.1: (cert, key)."""
        return testlib.make_cert(self.dir)

    def aiosmtpd(self, tls=False, implicit_tls=False, require_starttls=False, user=None,
                 password=None, auth_plaintext=False):
        """Start aiosmtpd; returns the port. Messages land in self.path("inbox")."""
        inbox = self.path("inbox")
        os.makedirs(inbox, exist_ok=True)
        argv = [PY, testlib.AIOSMTPD_SERVER, "--out", inbox]
        if tls or implicit_tls:
            cert, key = self.cert()
            argv += ["--cert", cert, "--key", key]
        if implicit_tls:
            argv.append("--implicit-tls")
        if require_starttls:
            argv.append("--require-starttls")
        env = dict(os.environ)
        if user:
            argv += ["--auth-user", user]
            env["EHLO_TEST_PASSWORD"] = password
        if auth_plaintext:
            argv.append("--auth-plaintext")
        _, port = self.start_with_port(argv, env=env)
        return port

    def inbox(self, n=1):
        """The n-th message aiosmtpd received (bytes) and its envelope (dict)."""
        import json
        base = os.path.join(self.path("inbox"), "msg-%d" % n)
        check(os.path.exists(base + ".eml"), "the server received no message %d" % n)
        with open(base + ".eml", "rb") as f:
            data = f.read()
        with open(base + ".json") as f:
            env = json.load(f)
        return data, env

    def bad_server(self, *args):
        """Start the scripted server with options; returns (port, log path)."""
        log = self.path("client-said-%d.log" % len(self.procs))
        _, port = self.start_with_port([PY, os.path.join(HERE, "bad_server.py"), "--log", log]
                                       + list(args))
        return port, log

    def smtp_sink(self, *extra, dump=False):
        """Start Postfix smtp-sink on a free loopback port; returns the port."""
        if not os.access(SMTP_SINK, os.X_OK):
            raise Skip("smtp-sink is not installed")
        argv_extra = list(extra)
        if dump:
            d = self.path("sink")
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o777)
            os.chmod(self.dir, 0o755)
            argv_extra += ["-d", os.path.join(d, "%H%M%S.")]
        for _ in range(10):
            port = free_port()
            argv = [SMTP_SINK] + (["-u", "nobody"] if os.getuid() == 0 else []) + argv_extra + [
                "127.0.0.1:%d" % port, "1000"]
            p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self.procs.append(p)
            if wait_listening(port, p):
                return port
        raise Failure("could not start smtp-sink on a free port")

    def sink_dumps(self):
        d = self.path("sink")
        return [os.path.join(d, f) for f in sorted(os.listdir(d))]


class Skip(Exception):
    """The test cannot run here (exit 77: meson reports a skip)."""


def main(cases, argv):
    """Run the case named in argv[2] with the ehlo binary in argv[1]."""
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(Failure("test took too long")))
    if len(argv) != 3 or argv[2] not in cases:
        print("usage: %s EHLO CASE\ncases: %s" % (argv[0], " ".join(sorted(cases))))
        return 2
    h = Harness(os.path.abspath(argv[1]))
    signal.alarm(240)
    try:
        cases[argv[2]](h)
    except Skip as e:
        print("SKIP:", e)
        return 77
    except Failure as e:
        print("FAIL:", e)
        return 1
    finally:
        signal.alarm(0)
        h.close()
    print("ok")
    return 0

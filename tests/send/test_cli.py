#!/usr/bin/python3
"""ehlo send's command line: --help documents every option and exit code, and usage
errors exit 2 before any connection is made.

usage: test_cli.py EHLO CASE
"""
import os
import sys

from smtptest import check, main

OPTIONS = ["--server", "--from", "--to", "--tls", "--tls-on-connect", "--insecure", "--cafile",
           "--tls-servername", "--auth", "--auth-user", "--auth-password-env",
           "--auth-password-file", "--allow-plaintext-auth", "--body", "--header", "--subject",
           "--ehlo", "--pipeline", "--quit-after", "--timeout", "--transcript", "--json",
           "--quiet"]


def case_help(h):
    r = h.run("--help")
    r.expect(0)
    for opt in OPTIONS:
        check(opt in r.out, "--help documents %s" % opt, r)
    for step in ("connect", "banner", "ehlo", "tls", "auth", "mail", "rcpt", "data", "dot"):
        check(step in r.out, "--help names --quit-after %s" % step, r)
    for code in range(9):
        check("\n  %d  " % code in r.out, "--help documents exit code %d" % code, r)


def usage(h, *args, words=(), env=None):
    r = h.run(*args, env=env)
    r.expect(2, *words)
    check(r.out == "", "nothing on stdout for a usage error (no session began)", r)
    return r


def case_usage(h):
    usage(h, "--to", "a@b.test", words=["--server"])
    usage(h, "--server", "127.0.0.1:1", words=["--to"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--bogus", words=["unknown option"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--auth", "PLAIN",
          words=["--auth-user"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--auth", "NOPE", "--auth-user", "u",
          words=["PLAIN"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--auth", "PLAIN", "--auth-user", "u",
          "--auth-password=secret", words=["never taken from the command line"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--auth", "PLAIN", "--auth-user", "u",
          words=["password"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--auth", "PLAIN", "--auth-user", "u",
          "--auth-password-env", "EHLO_SURELY_UNSET_VAR", words=["not set"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--quit-after", "lunch",
          words=["--quit-after"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--timeout", "abc",
          words=["--timeout"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--timeout", "-3",
          words=["--timeout"])
    usage(h, "--server", "127.0.0.1:99999", "--to", "a@b.test", words=["port"])
    usage(h, "--server", "[::1", "--to", "a@b.test", words=["]"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--tls", "--tls-on-connect")
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test\r\nDATA", words=["control"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--header", "no colon here")
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--subject", "x\nBcc: evil@x.test")
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--body", h.path("missing.eml"),
          words=["missing.eml"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--body", "/dev/null",
          "--subject", "both")
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--quit-after", "auth",
          words=["--auth"])
    usage(h, "--server", "127.0.0.1:1", "--to", "a@b.test", "--transcript",
          os.path.join(h.path("no-such-dir"), "t.txt"), words=["--transcript"])


def case_all_listed(h):
    """Every case_ in the test scripts is run by meson.build, and every listed case exists."""
    import ast
    import re
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "meson.build")) as f:
        meson = f.read()
    for group in ("aiosmtpd", "sink", "bad", "serve", "cli"):
        listed = re.search(r"'%s': \[(.*?)\]" % group, meson, re.S).group(1)
        listed = set(re.findall(r"'([a-z0-9_]+)'", listed))
        with open(os.path.join(here, "test_%s.py" % group)) as f:
            tree = ast.parse(f.read())
        defined = {n.name[5:] for n in tree.body
                   if isinstance(n, ast.FunctionDef) and n.name.startswith("case_")}
        check(listed == defined, "meson.build and test_%s.py disagree: %s" % (
            group, sorted(listed ^ defined)))
    del h


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    sys.exit(main(CASES, sys.argv))

#!/usr/bin/python3
"""ehlo send against Postfix smtp-sink: PIPELINING and a large message.

usage: test_sink.py EHLO CASE
"""
import sys
import time

from smtptest import check, main


def big_message(path, size):
    """A message of about size bytes, every 10th line starting with '.'. Returns the hash of
    the message as smtp-sink stores it (LF line ends, dots unstuffed), its size, and how
    many lines start with a dot."""
    import hashlib
    head = b"From: <a@example.test>\r\nTo: <b@example.test>\r\nSubject: big\r\n\r\n"
    digest = hashlib.sha256()
    digest.update(head.replace(b"\r\n", b"\n"))
    total = len(head)
    dots = 0
    with open(path, "wb") as f:
        f.write(head)
        i = 0
        block = []
        while total < size:
            line = (b"." if i % 10 == 0 else b"") + b"line %08d " % i + b"abcdefghij" * 6
            dots += i % 10 == 0
            block.append(line)
            total += len(line) + 2
            i += 1
            if len(block) == 1000:
                data = b"\r\n".join(block) + b"\r\n"
                f.write(data)
                digest.update(data.replace(b"\r\n", b"\n"))
                block = []
        if block:
            data = b"\r\n".join(block) + b"\r\n"
            f.write(data)
            digest.update(data.replace(b"\r\n", b"\n"))
    return digest.hexdigest(), total, dots


def sink_body(dump):
    """The message in an smtp-sink dump: after its own headers (ending with the Received
    header's three lines), without the empty line it appends."""
    with open(dump, "rb") as f:
        data = f.read()
    start = data.index(b"\nReceived: ")
    # Received: from ...\n\tby ...\n\tdate\n
    for _ in range(3):
        start = data.index(b"\n", start + 1)
    body = data[start + 1:]
    check(body.endswith(b"\n\n"), "dump ends with an empty line")
    return body[:-1]


def wait_dumps(h, n, limit=20):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        dumps = h.sink_dumps()
        if len(dumps) >= n:
            return dumps
        time.sleep(0.1)
    return h.sink_dumps()


def case_pipeline(h):
    port = h.smtp_sink(dump=True)
    text = h.path("t.txt")
    r = h.run("--server", "127.0.0.1:%d" % port, "--from", "a@example.test", "--to",
              "b@example.test,c@example.test", "--to", "d@example.test", "--pipeline",
              "--transcript", text, "--timeout", "10")
    r.expect(0)
    with open(text) as f:
        lines = [l for l in f.read().splitlines() if l.startswith((" -> ", "<-  "))]
    # The batch: MAIL, three RCPT and DATA sent before the first reply to any of them.
    i = next(n for n, l in enumerate(lines) if l.startswith(" -> MAIL FROM"))
    batch = [l for l in lines[i:i + 5]]
    check([l[4:8] for l in batch] == ["MAIL", "RCPT", "RCPT", "RCPT", "DATA"],
          "MAIL, RCPTs and DATA in one batch", "\n".join(lines))
    replies = [l for l in lines[i + 5:i + 10]]
    check(all(l.startswith("<-  2") for l in replies[:4]) and replies[4].startswith("<-  354"),
          "then their replies in order", "\n".join(lines))
    dumps = wait_dumps(h, 1)
    check(len(dumps) == 1, "smtp-sink got the message")
    with open(dumps[0], "rb") as f:
        dump = f.read()
    check(dump.count(b"X-Rcpt-Args:") == 3, "three recipients", dump[:400])


def case_pipeline_batched(h):
    """The scripted server checks that RCPT and DATA came without waiting for MAIL's reply."""
    from smtptest import PY  # noqa: F401
    out = h.path("batch")
    port, _ = h.bad_server("--batch-out", out)
    r = h.run("--server", "127.0.0.1:%d" % port, "--from", "a@example.test", "--to",
              "b@example.test", "--to", "c@example.test", "--pipeline", "--timeout", "10")
    r.expect(0)
    with open(out) as f:
        check(f.read().strip() == "batched", "MAIL+RCPT+DATA arrived in one batch")
    # Without --pipeline the same server sees one command at a time.
    port, _ = h.bad_server("--batch-out", out)
    r = h.run("--server", "127.0.0.1:%d" % port, "--from", "a@example.test", "--to",
              "b@example.test", "--timeout", "10")
    r.expect(0)
    with open(out) as f:
        check(f.read().strip() == "one by one", "no batch without --pipeline")


def case_large(h):
    port = h.smtp_sink(dump=True)
    path = h.path("big.eml")
    digest, size, dots = big_message(path, 20 * 1024 * 1024)
    r = h.run("--server", "127.0.0.1:%d" % port, "--from", "a@example.test", "--to",
              "b@example.test", "--body", path, "--timeout", "20", timeout=120)
    r.expect(0, "message sent: ")
    check("SIZE=" not in r.out, "no SIZE= when the server does not advertise SIZE", r)
    check("message: %d bytes" % size in r.out, "says how much it read", r)
    check("%d dots stuffed" % dots in r.out, "says how many dots it stuffed", r)
    dumps = wait_dumps(h, 1)
    check(len(dumps) == 1, "smtp-sink got the message")
    import hashlib
    deadline = time.monotonic() + 30
    while True:  # smtp-sink may still be writing the dump
        got = hashlib.sha256(sink_body(dumps[0])).hexdigest()
        if got == digest or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    check(got == digest, "the 20 MB message arrived intact (dots unstuffed, all lines)")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    sys.exit(main(CASES, sys.argv))

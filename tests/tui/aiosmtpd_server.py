#!/usr/bin/python3
"""An aiosmtpd server for the explorer's tests, on 127.0.0.1 and a port the kernel picks.

Prints "PORT n" once it listens. Offers STARTTLS with the given certificate and AUTH
(after TLS) for one user whose password comes from EHLO_TEST_PASSWORD. Each message is
written to OUT/msg-N.eml as received (after the server removed the dot-stuffing). Stops by
itself after --lifetime seconds.
"""
import argparse
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Save:
    """Write each message to a numbered file."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        with open(os.path.join(self.outdir, "msg-%d.eml" % self.count), "wb") as f:
            f.write(envelope.original_content)
        return "250 2.0.0 Ok: queued as tui%d" % self.count


class OneUser:
    """Accept one user and password."""

    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == self.user and auth_data.password == self.password
        return AuthResult(success=ok, handled=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--user", default="student")
    ap.add_argument("--lifetime", type=float, default=120.0)
    args = ap.parse_args()

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Save(args.out)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, loop=loop, hostname="aiosmtpd.test", decode_data=False,
                     tls_context=ctx, authenticator=OneUser(args.user,
                                                            os.environ["EHLO_TEST_PASSWORD"]),
                     auth_require_tls=True, timeout=60),
        host="127.0.0.1", port=0))
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    loop.call_later(args.lifetime, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

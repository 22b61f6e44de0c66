#!/usr/bin/python3
"""An aiosmtpd server for the ehlo send tests, on 127.0.0.1 and a port the kernel picks.

Prints "PORT n" on stdout once it listens. Each message received is written byte for
byte (after the server removed the dot-stuffing) to OUT/msg-N.eml, and its envelope to
OUT/msg-N.json. The password for AUTH comes from the environment (EHLO_TEST_PASSWORD), so
it never shows in a process listing. Stops by itself after --lifetime seconds.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class SaveHandler:
    """Write each message received to a numbered file."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.outdir, "msg-%d" % self.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from,
                       "mail_options": envelope.mail_options,
                       "rcpt_tos": envelope.rcpt_tos,
                       "tls": (session.ssl is not None or
                               server.transport.get_extra_info("ssl_object") is not None),
                       "authenticated": bool(session.authenticated)}, f)
        return "250 2.0.0 Ok: queued as test%d" % self.count


class OneUser:
    """Accept exactly one user and password, with any mechanism aiosmtpd knows."""

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
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--require-starttls", action="store_true")
    ap.add_argument("--auth-user")
    ap.add_argument("--auth-plaintext", action="store_true",
                    help="offer AUTH before TLS too")
    ap.add_argument("--lifetime", type=float, default=120.0)
    args = ap.parse_args()

    tls_context = None
    if args.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)

    kwargs = {"hostname": "aiosmtpd.test", "decode_data": False, "timeout": 30}
    if args.auth_user:
        kwargs["authenticator"] = OneUser(args.auth_user, os.environ["EHLO_TEST_PASSWORD"])
        kwargs["auth_require_tls"] = not (args.auth_plaintext or args.implicit_tls)
    if tls_context is not None and not args.implicit_tls:
        kwargs["tls_context"] = tls_context
        kwargs["require_starttls"] = args.require_starttls

    handler = SaveHandler(args.out)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, loop=loop, **kwargs), host="127.0.0.1", port=0,
        ssl=tls_context if args.implicit_tls else None))
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    loop.call_later(args.lifetime, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The aiosmtpd server every python test starts: 127.0.0.1, a port the kernel picks.

Prints "PORT n" on stdout once it listens. With --out, each message received is written
byte for byte (after the server removed the dot-stuffing) to OUT/msg-N.eml and its
envelope to OUT/msg-N.json. --cert/--key offer STARTTLS (or TLS on connect with
--implicit-tls). --auth-user offers AUTH (after TLS unless --auth-plaintext) for one user
whose password comes from the environment (EHLO_TEST_PASSWORD), so it never shows in a
process listing. --reject-prefix refuses recipients starting with it the way Postfix does.
Stops by itself after --lifetime seconds.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# aiosmtpd warns about AUTH without TLS, which the loopback tests offer on purpose.
warnings.filterwarnings("ignore", category=DeprecationWarning)


class SaveHandler:
    """Answer DATA with a queue id; with an outdir, write each message to numbered files."""

    def __init__(self, outdir, queue_id):
        self.outdir = outdir
        self.queue_id = queue_id
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.outdir:
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
        qid = self.queue_id % self.count if "%d" in self.queue_id else self.queue_id
        return "250 2.0.0 Ok: queued as %s" % qid


class RejectingHandler(SaveHandler):
    """SaveHandler that refuses recipients starting with a prefix (550 5.1.1)."""

    def __init__(self, outdir, queue_id, prefix):
        super().__init__(outdir, queue_id)
        self.prefix = prefix

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith(self.prefix):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"


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
    ap.add_argument("--out")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--require-starttls", action="store_true")
    ap.add_argument("--auth-user")
    ap.add_argument("--auth-plaintext", action="store_true",
                    help="offer AUTH before TLS too")
    ap.add_argument("--hostname", default="aiosmtpd.test")
    ap.add_argument("--queue-id", default="test%d",
                    help="the id in the DATA reply; %%d is the message number")
    ap.add_argument("--reject-prefix")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--lifetime", type=float, default=120.0)
    args = ap.parse_args()

    tls_context = None
    if args.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)

    kwargs = {"hostname": args.hostname, "decode_data": False, "timeout": args.timeout}
    if args.auth_user:
        kwargs["authenticator"] = OneUser(args.auth_user, os.environ["EHLO_TEST_PASSWORD"])
        kwargs["auth_require_tls"] = not (args.auth_plaintext or args.implicit_tls)
    if tls_context is not None and not args.implicit_tls:
        kwargs["tls_context"] = tls_context
        kwargs["require_starttls"] = args.require_starttls

    if args.reject_prefix:
        handler = RejectingHandler(args.out, args.queue_id, args.reject_prefix)
    else:
        handler = SaveHandler(args.out, args.queue_id)
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

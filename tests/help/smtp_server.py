#!/usr/bin/env python3
"""A tiny SMTP server for the explain tests: aiosmtpd on 127.0.0.1, port chosen by the
kernel (printed on the first line of stdout). Accepts everything except recipients named
nobody@..., which get the 550 5.1.1 a Postfix server would give. AUTH PLAIN and LOGIN are
offered without TLS (loopback test only) and accept alice / secret. Exits after 60 s at most.
"""
import asyncio
import warnings
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

warnings.filterwarnings("ignore", category=DeprecationWarning)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"alice"
          and auth_data.password == b"secret")
    return AuthResult(success=ok)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: queued as 4Z1x2y3Qk9z"


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Handler(), hostname="mx.test.example",
                                                   authenticator=authenticator,
                                                   auth_require_tls=False),
                                      "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await asyncio.sleep(60)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)

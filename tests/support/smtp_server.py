#!/usr/bin/env python3
"""A real SMTP peer for slavakt's e-mail tests (aiosmtpd on 127.0.0.1).

Modes: plain (no TLS), starttls (STARTTLS offered and required before MAIL), tls (implicit TLS).
With --user/--password, AUTH PLAIN/LOGIN is required and checked. Every accepted message is
parsed (Python's email package decodes headers and parts) and written as one JSON file to --out,
atomically (temp file + rename), so the test can poll the directory. Prints {"port": N} on
stdout when it accepts connections; exits when stdin closes.
"""
import argparse
import asyncio
import base64
import email
import json
import os
import ssl
import sys
from email import policy

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Capture:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=policy.default)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            content = part.get_content()
            if isinstance(content, bytes):
                # Binary parts (inline images) as base64 text, so the record stays JSON.
                content = base64.b64encode(content).decode()
            parts.append(
                {
                    "type": part.get_content_type(),
                    "content": content,
                    "filename": part.get_filename(),
                    "content_id": part.get("Content-ID"),
                    "disposition": part.get_content_disposition(),
                }
            )
        login = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": [[k, str(v)] for k, v in msg.items()],
            "parts": parts,
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "login": login,
        }
        self.count += 1
        path = os.path.join(self.out, "%04d.json" % self.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 queued as slavakt-test-%d" % self.count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["plain", "starttls", "tls"], default="plain")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    ctx = None
    if args.mode != "plain":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == (args.user or "").encode()
            and auth_data.password == (args.password or "").encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    handler = Capture(args.out)

    def factory():
        kwargs = dict(hostname="localhost", ident="slavakt test SMTP")
        if args.mode == "starttls":
            kwargs.update(tls_context=ctx, require_starttls=True)
        if args.user:
            kwargs.update(
                authenticator=authenticator,
                auth_required=True,
                # Implicit TLS is invisible to aiosmtpd's own check; the socket is TLS anyway.
                auth_require_tls=args.mode == "starttls",
            )
        return SMTP(handler, **kwargs)

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, host="127.0.0.1", port=0, ssl=ctx if args.mode == "tls" else None
        )
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({"port": port}), flush=True)
        # Runs until the test closes our stdin (or kills us).
        await loop.run_in_executor(None, sys.stdin.read)
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()

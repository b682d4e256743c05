#
# This file is part of Argus, a self-hosted network security monitor.
# SPDX-License-Identifier: Apache-2.0
#
# A local SMTP receiver for the tests (aiosmtpd, Debian's python3-aiosmtpd: run it with
# /usr/bin/python3). It listens on 127.0.0.1 only, requires AUTH with one user name and password,
# and appends each message it accepts to a JSON-lines file: the envelope, the raw data, and the
# subject and body as Python's email package decodes them.
#
#   smtp_receiver.py MODE PORT CERT KEY USER PASSWORD OUT
#
# MODE: starttls (STARTTLS required before anything else, AUTH only over TLS),
#       starttls-login (the same, offering only AUTH LOGIN), tls (implicit TLS from the start).

import email
import email.policy
import json
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

mode, port, cert, key, user, password, out = sys.argv[1:8]

context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "raw": raw.decode("utf-8", "replace"),
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "body": message.get_content(),
            "mechanism": getattr(session, "argus_mechanism", None),
            "login": getattr(session, "argus_login", None),
        }
        with open(out, "a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
        return "250 2.0.0 OK queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    good = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == user.encode()
        and auth_data.password == password.encode()
    )
    if good:
        session.argus_mechanism = mechanism
        session.argus_login = auth_data.login.decode()
    return AuthResult(success=good, handled=False)


settings = dict(hostname="127.0.0.1", port=int(port), authenticator=authenticator, auth_required=True)
if mode == "tls":
    # Implicit TLS: aiosmtpd only counts STARTTLS as TLS for auth_require_tls, but this whole
    # connection is TLS from the first byte.
    controller = Controller(Handler(), ssl_context=context, auth_require_tls=False, **settings)
elif mode in ("starttls", "starttls-login"):
    extra = {"auth_exclude_mechanism": ["PLAIN"]} if mode == "starttls-login" else {}
    controller = Controller(Handler(), tls_context=context, require_starttls=True, auth_require_tls=True, **settings, **extra)
else:
    sys.exit(f"unknown mode {mode}")

controller.start()
print("LISTENING", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()

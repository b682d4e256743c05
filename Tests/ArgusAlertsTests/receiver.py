#!/usr/bin/env python3
"""A webhook receiver for Argus's alert tests: checks each request's HMAC signature and
records it, one JSON line per request. Test helper only; binds 127.0.0.1.

Usage: receiver.py PORT SECRET LOGFILE    (SECRET "-": accept unsigned requests)

PORT 0 lets the system choose a free port; "ready PORT" is printed once it listens.

A request to /redirect?to=URL[&status=307] is recorded, then answered 302 (or that status) with
Location: URL: what a hostile or hijacked server could answer, to draw the alert and its token
elsewhere. GET requests (a 302 followed as a browser would) are recorded too.
"""
import hashlib
import hmac
import http.server
import json
import sys
import urllib.parse

port, secret, log = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        timestamp = self.headers.get("X-Argus-Timestamp", "")
        expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        good = secret == b"-" or hmac.compare_digest(expected, self.headers.get("X-Argus-Signature", ""))
        with open(log, "a") as out:
            out.write(json.dumps({"signed": good, "key": self.headers.get("X-Argus-Idempotency-Key"), "path": self.path, "type": self.headers.get("Content-Type"), "headers": {name: self.headers.get(name) for name in ("Title", "Priority", "Tags", "Authorization", "X-Gotify-Key") if self.headers.get(name) is not None}, "body": body.decode()}) + "\n")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        target = query.get("to")
        if urllib.parse.urlsplit(self.path).path == "/redirect" and target:
            self.send_response(int(query.get("status", ["302"])[0]))
            self.send_header("Location", target[0])
            self.send_header("Content-Length", "0")
        else:
            self.send_response(200 if good else 401)
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *arguments):
        pass


server = http.server.HTTPServer(("127.0.0.1", port), Handler)
print("ready", server.server_address[1], flush=True)
server.serve_forever()

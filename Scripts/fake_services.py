#!/usr/bin/env python3
"""Small banner services on loopback for Argus's fixtures, lab and benchmarks.

Usage: fake_services.py HOST PORT:KIND [PORT:KIND ...]

KIND is one of: ssh-old (an old OpenSSH banner), vsftpd (vsftpd 2.3.4), http (a tiny
web server with a title), smb and rdp (ports that accept and stay silent), echo.
It binds only the address it is given and runs until killed. Test helper only.
"""
import socketserver
import sys
import threading

BANNERS = {
    "ssh-old": b"SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n",
    "vsftpd": b"220 (vsFTPd 2.3.4)\r\n",
}

HTTP_BODY = (b"<html><head><title>Argus test &amp; lab</title></head>"
             b"<body>hello</body></html>")


class Handler(socketserver.BaseRequestHandler):
    kind = "echo"

    def handle(self):
        sock = self.request
        sock.settimeout(5)
        try:
            if self.kind in BANNERS:
                sock.sendall(BANNERS[self.kind])
                while True:
                    line = sock.recv(4096)
                    if not line:
                        return
                    if self.kind == "vsftpd":
                        sock.sendall(b"530 Please login with USER and PASS.\r\n")
            elif self.kind == "http":
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                if not data[:1].isalpha():
                    sock.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: Apache/2.4.7 (Ubuntu)\r\n"
                                 b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                if data.startswith(b"OPTIONS"):
                    sock.sendall(b"HTTP/1.1 200 OK\r\nServer: Apache/2.4.7 (Ubuntu)\r\n"
                                 b"Allow: GET,HEAD,POST,OPTIONS\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                    return
                head = (b"HTTP/1.1 200 OK\r\nServer: Apache/2.4.7 (Ubuntu)\r\nContent-Type: text/html\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(HTTP_BODY))
                sock.sendall(head + (HTTP_BODY if not data.startswith(b"HEAD") else b""))
            elif self.kind == "echo":
                while True:
                    chunk = sock.recv(4096)
                    if not chunk:
                        return
                    sock.sendall(chunk)
            else:  # smb, rdp: accept and stay silent
                while sock.recv(4096):
                    pass
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 4096  # nmap connects faster than a 5-deep backlog drains


def main():
    host = sys.argv[1]
    servers = []
    for spec in sys.argv[2:]:
        port, kind = spec.split(":", 1)
        handler = type("H_" + kind.replace("-", "_"), (Handler,), {"kind": kind})
        family_server = Server
        if ":" in host:
            import socket
            family_server = type("Server6", (Server,), {"address_family": socket.AF_INET6})
        srv = family_server((host, int(port)), handler)
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

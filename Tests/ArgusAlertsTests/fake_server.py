#
# This file is part of Argus, a self-hosted network security monitor.
# SPDX-License-Identifier: Apache-2.0
#
# A misbehaving server on 127.0.0.1 for the tests: the sinks must answer garbage, silence and
# tricks with an error, never a crash or a hang.
#
#   fake_server.py MODE PORT

import socket
import sys
import time

mode, port = sys.argv[1], int(sys.argv[2])

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(8)
print("LISTENING", flush=True)


def converse(connection):
    receive = lambda: connection.recv(65536)
    if mode == "smtp-garbage":
        connection.sendall(b"\x00\xff\xfeHELLO this is not SMTP\r\n")
    elif mode == "smtp-mixed-codes":
        connection.sendall(b"220-first line\r\n250 second line\r\n")
    elif mode == "smtp-endless-line":
        # One line that never ends: the client must give up at its limit.
        for _ in range(200):
            connection.sendall(b"220-" + b"x" * 1024)
    elif mode == "smtp-starttls-injection":
        # Answers STARTTLS with its go-ahead and, in the same packet, a reply that a
        # man-in-the-middle would inject to be read as if it came through TLS.
        connection.sendall(b"220 fake.test ESMTP\r\n")
        receive()
        connection.sendall(b"250-fake.test\r\n250 STARTTLS\r\n")
        receive()
        connection.sendall(b"220 2.0.0 go ahead\r\n250 injected\r\n")
    elif mode == "smtp-no-starttls":
        connection.sendall(b"220 fake.test ESMTP\r\n")
        receive()
        connection.sendall(b"250-fake.test\r\n250 AUTH PLAIN\r\n")
    elif mode == "mqtt-garbage":
        receive()
        connection.sendall(b"\x20\xff\xff\xff\xff\x01")
    elif mode == "mqtt-reserved":
        receive()
        connection.sendall(b"\xf0\x00")
    elif mode == "mqtt-huge":
        receive()
        connection.sendall(b"\x30\xff\xff\xff\x7f")
    elif mode == "mqtt-wrong-puback":
        receive()
        connection.sendall(b"\x20\x02\x00\x00")
        receive()
        connection.sendall(b"\x40\x02\x12\x34")
    elif mode == "mqtt-fragmented":
        # A well-behaved broker that sends every packet one byte at a time.
        data = receive()
        for byte in b"\x20\x02\x00\x00":
            connection.sendall(bytes([byte]))
            time.sleep(0.01)
        packet_id = 0
        while True:
            data = receive()
            if not data or data[0] >> 4 == 14:
                break
            packet_id += 1
            for byte in bytes([0x40, 0x02, packet_id >> 8, packet_id & 0xFF]):
                connection.sendall(bytes([byte]))
                time.sleep(0.01)
        return
    elif mode == "silent":
        pass
    else:
        sys.exit(f"unknown mode {mode}")
    time.sleep(30)


while True:
    connection, _ = listener.accept()
    try:
        converse(connection)
    except OSError:
        pass
    finally:
        connection.close()

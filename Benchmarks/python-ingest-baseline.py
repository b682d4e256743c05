#!/usr/bin/env python3
"""The baseline for `argus-cli import`: Python's own streaming XML parser (ElementTree
iterparse) and sqlite3 writing the same rows into the same schema, in one transaction, with
the same pragmas (WAL, synchronous=NORMAL, foreign keys). Only hosts that are up become
devices, and only their open and open|filtered ports port rows, as in Argus.

Usage: python-ingest-baseline.py SCHEMA_DB SCAN.xml OUT.db
SCHEMA_DB is an Argus database whose schema is copied.
"""
import sqlite3
import sys
import time
import xml.etree.ElementTree as ET

schema_db, scan, out = sys.argv[1:4]
schema = [row[0] for row in sqlite3.connect(schema_db).execute(
    "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]
db = sqlite3.connect(out, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
db.execute("PRAGMA foreign_keys = ON")
for statement in schema:
    db.execute(statement)

now = time.time()
db.execute("BEGIN IMMEDIATE")
scan_id = db.execute("INSERT INTO scans (status, kind, profile, targets, created_at) VALUES ('running', 'imported', 'imported', '[]', ?)", (now,)).lastrowid
devices = 0
for _, element in ET.iterparse(scan, events=("end",)):
    if element.tag != "host":
        continue
    status = element.find("status")
    if status is None or status.get("state") != "up":
        element.clear()
        continue
    ip = mac = vendor = None
    for address in element.findall("address"):
        if address.get("addrtype") == "mac":
            mac, vendor = address.get("addr"), address.get("vendor")
        elif ip is None:
            ip = address.get("addr")
    name = element.find("hostnames/hostname")
    hostname = name.get("name") if name is not None else None
    ports = []
    for port in element.findall("ports/port"):
        state = port.find("state")
        if state.get("state") not in ("open", "open|filtered"):
            continue  # as Argus: only ports where something may listen
        service = port.find("service")
        get = (lambda key: service.get(key)) if service is not None else (lambda key: None)
        ports.append((port.get("protocol"), int(port.get("portid")), state.get("state"), get("name"), get("product"), get("version"), get("extrainfo"), get("tunnel")))
    open_ports = sum(1 for p in ports if p[2] == "open")
    device_id = db.execute(
        "INSERT INTO devices (ip, ip_key, mac, hostname, vendor, first_seen, last_seen, last_scan_id, open_ports) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ip, bytes([4]) + bytes(int(x) for x in ip.split(".")) if ip and ip.count(".") == 3 else ip.encode(), mac, hostname, vendor, now, now, scan_id, open_ports)).lastrowid
    db.execute("INSERT INTO observations (scan_id, device_id, observed_at, state, ip, mac, hostname, vendor, risk_level, risk_score) VALUES (?, ?, ?, 'up', ?, ?, ?, ?, 'none', 0)",
               (scan_id, device_id, now, ip, mac, hostname, vendor))
    db.executemany("INSERT OR REPLACE INTO ports (scan_id, device_id, protocol, number, state, service_name, product, version, extra_info, tunnel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [(scan_id, device_id) + p for p in ports])
    devices += 1
    element.clear()
db.execute("UPDATE scans SET status = 'completed', finished_at = ?, devices_found = ? WHERE id = ?", (time.time(), devices, scan_id))
db.execute("COMMIT")
print(devices, "devices")

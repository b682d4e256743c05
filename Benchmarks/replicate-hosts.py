#!/usr/bin/env python3
"""Builds an nmap XML file of COUNT hosts from the <host> elements of a real nmap scan.

The hosts are copied in turn and their IPv4 addresses rewritten to 127.x.y.z, so the file is
what nmap would write for a loopback /16 with the same answers. Used by generate-scans.sh when
it cannot run nmap in a network namespace (not root).

Usage: replicate-hosts.py SOURCE.xml COUNT > OUT.xml
"""
import re
import sys

source, count = sys.argv[1], int(sys.argv[2])
text = open(source, encoding="utf-8").read()
head = text[: text.index("<host")]
hosts = re.findall(r"<host[ >].*?</host>", text, re.S)
tail = text[text.rindex("</host>") + len("</host>"):]
out = sys.stdout
out.write(head.replace("<nmaprun", "<!-- hosts replicated from %s with rewritten addresses -->\n<nmaprun" % source, 1))
for i in range(count):
    address = "127.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255) if count <= 65536 else "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
    host = re.sub(r'addr="127\.[0-9.]+" addrtype="ipv4"', 'addr="%s" addrtype="ipv4"' % address, hosts[i % len(hosts)])
    out.write(host + "\n")
out.write(re.sub(r'<hosts up="\d+" down="\d+" total="\d+"/>', '<hosts up="%d" down="0" total="%d"/>' % (count, count), tail))

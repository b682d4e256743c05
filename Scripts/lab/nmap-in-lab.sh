#!/usr/bin/env bash
# nmap, run inside the lab's scanner namespace (Scripts/lab/lab.sh), which reaches the lab only.
exec ip netns exec argus-lab-scanner nmap "$@"

#!/usr/bin/env python3
"""Top entries of a `perf record` profile by self time, with symbols perf could not resolve
looked up in the binary's own symbol table (nm), so stripped-of-debuginfo release builds read.

  perf_top.py PERF_DATA [N]     # prints the N (15) heaviest symbols and the share per DSO
"""
import bisect
import collections
import re
import subprocess
import sys

data = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"],
                        capture_output=True, text=True).stdout

tables = {}


def resolve(dso, ip):
    if dso not in tables:
        try:
            out = subprocess.run(["nm", "-C", "--defined-only", dso], capture_output=True,
                                 text=True).stdout
        except OSError:
            out = ""
        rows = []
        for line in out.splitlines():
            parts = line.split(" ", 2)
            if len(parts) == 3 and parts[1] in "tTwW":
                rows.append((int(parts[0], 16), parts[2]))
        rows.sort()
        tables[dso] = ([r[0] for r in rows], [r[1] for r in rows])
    addrs, names = tables[dso]
    i = bisect.bisect_right(addrs, ip) - 1
    return names[i] if i >= 0 else hex(ip)


by_sym = collections.Counter()
by_dso = collections.Counter()
total = 0
for block in script.split("\n\n"):
    lines = [l for l in block.splitlines() if l.strip()]
    if not lines:
        continue
    m = re.match(r"\s*([0-9a-f]+)\s+(.*)\s+\((.*)\)\s*$", lines[0])
    if not m:
        continue
    ip, sym, dso = int(m.group(1), 16), m.group(2).strip(), m.group(3)
    if sym == "[unknown]" and dso.startswith("/"):
        sym = resolve(dso, ip)
    short = dso.rsplit("/", 1)[-1]
    by_sym[(short, sym)] += 1
    by_dso[short] += 1
    total += 1

print(f"{total} samples")
for (dso, sym), n in by_sym.most_common(top):
    print(f"{100.0 * n / total:6.2f}%  {dso:24.24}  {sym[:110]}")
print("by DSO: " + ", ".join(f"{d} {100.0 * n / total:.1f}%" for d, n in by_dso.most_common(8)))

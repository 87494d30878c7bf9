#!/usr/bin/env python3
"""Reads `wrk --latency` output on stdin and prints one JSON object with its figures."""
import json
import re
import sys

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    return round(float(m.group(1)) * UNITS_MS[m.group(2)], 3) if m else None


def main():
    raw = sys.stdin.read()
    out = {"rps": None, "p50_ms": None, "p75_ms": None, "p90_ms": None, "p99_ms": None,
           "requests": None, "errors": 0, "non_2xx": 0}
    for pct, key in (("50", "p50_ms"), ("75", "p75_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        m = re.search(r"^\s+%s(?:\.0+)?%%\s+(\S+)" % pct, raw, re.M)
        if m:
            out[key] = to_ms(m.group(1))
    m = re.search(r"Requests/sec:\s+([0-9.]+)", raw)
    if m:
        out["rps"] = round(float(m.group(1)), 1)
    m = re.search(r"(\d+) requests in", raw)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", raw)
    if m:
        out["errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", raw)
    if m:
        out["non_2xx"] = int(m.group(1))
    if out["rps"] is None:
        sys.stderr.write("bench: could not parse wrk output:\n" + raw)
        sys.exit(1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Seats N viewers (PREFIX0 .. PREFIX<N-1>) through POST /api/token/viewer, 32 at a time, retrying
503s while the autoscaler creates stages; prints {"seated", "stages", "seconds"} as JSON.

  seat.py URL API_KEY N PREFIX
"""
import concurrent.futures
import json
import sys
import time
import urllib.error
import urllib.request

base, key, count, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


def join(i):
    body = json.dumps({"userId": f"{prefix}{i}"}).encode()
    last = None
    for _ in range(20):
        req = urllib.request.Request(base + "/api/token/viewer", data=body, method="POST",
                                     headers={"content-type": "application/json", "x-api-key": key})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.load(r)["data"]["stageArn"]
        except urllib.error.HTTPError as e:
            last = f"{e.code} {e.read()[:200]!r}"
            if e.code != 503:
                break
        except OSError as e:
            last = str(e)
        time.sleep(0.5)
    raise RuntimeError(f"{prefix}{i} was not seated: {last}")


t0 = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(32) as pool:
    stages = list(pool.map(join, range(count)))
print(json.dumps({"seated": len(stages), "stages": len(set(stages)), "seconds": round(time.monotonic() - t0, 2)}))

#!/usr/bin/env python3
"""Joins N viewers and writes one heartbeat body per line.

  join.py ivs URL API_KEY N OUT          viewers join through POST /api/token/viewer
  join.py reference URL API_KEY N OUT    viewers join the reference server (fixed stage ARN)
"""
import json
import sys
import urllib.request

mode, base, key, count, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ARN = "arn:aws:ivs:us-east-1:123456789012:stage/benchStage01"


def post(path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json", "x-api-key": key})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


with open(out, "w") as f:
    for i in range(count):
        user = "bench-user-%05d" % i
        if mode == "ivs":
            data = post("/api/token/viewer", {"userId": user})["data"]
            arn = data["stageArn"]
        else:
            post("/api/viewer/join", {"userId": user, "stageArn": ARN})
            arn = ARN
        f.write(json.dumps({"userId": user, "stageArn": arn}) + "\n")

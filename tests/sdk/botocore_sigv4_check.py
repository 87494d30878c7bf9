#!/usr/bin/env python3
"""Signs requests with botocore's SigV4Auth, the reference signer of the AWS SDK for Python.

Input (argv[1]): a JSON list of requests, each
  {"method", "host", "path", "query", "headers": [[name, value], ...], "body",
   "region", "service", "timestamp": "YYYYMMDDTHHMMSSZ",
   "access_key_id", "secret_access_key", "session_token"}
Output (stdout): a JSON list with, per request, {"authorization", "canonical_request",
"headers": [[name, value], ...]} as botocore produced them.
"""
import datetime
import json
import sys
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(item):
    url = "https://" + item["host"] + item["path"]
    if item["query"]:
        url += "?" + item["query"]
    request = AWSRequest(method=item["method"], url=url, data=item["body"].encode("utf-8"))
    for name, value in item["headers"]:
        request.headers[name] = value  # appends, so repeated names stay repeated
    creds = Credentials(item["access_key_id"], item["secret_access_key"],
                        item["session_token"] or None)
    signer = SigV4Auth(creds, item["service"], item["region"])
    when = datetime.datetime.strptime(item["timestamp"], "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        signer.add_auth(request)
    # The canonical request botocore signed (without the Authorization it has just added).
    unsigned = AWSRequest(method=request.method, url=request.url, data=request.data)
    for name, value in request.headers.items():
        if name.lower() != "authorization":
            unsigned.headers[name] = value
    unsigned.context["timestamp"] = item["timestamp"]
    creq = signer.canonical_request(unsigned)
    return {
        "authorization": request.headers["Authorization"],
        "canonical_request": creq,
        "headers": [[k, v] for k, v in request.headers.items()],
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        items = json.load(f)
    json.dump([sign(i) for i in items], sys.stdout)


if __name__ == "__main__":
    main()

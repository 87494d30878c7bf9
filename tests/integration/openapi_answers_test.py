"""Real answers of every documented endpoint, successes and errors, validated against the schema
the served OpenAPI document gives for their status, with a JSON Schema (2020-12) validator.

Starts the built ivs-server in embedded mode with its defaults on a free port, and a simulated
broadcaster publishing in the master stage (viewer tokens need a live publisher). Env:
IVS_TEST_BINARY.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import jsonschema

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from live_publisher import LivePublisher  # noqa: E402

BINARY = os.environ.get("IVS_TEST_BINARY", "build/ivs-server")
KEY = "openapi-answers-key-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, key=True, headers=None):
        h = {"content-type": "application/json"}
        if key:
            h["x-api-key"] = KEY
        h.update(headers or {})
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def template_of(doc, path):
    """The documented path template matching a concrete path; literal segments win over
    parameters (/api/stage/list before /api/stage/{stageArn})."""
    parts = path.split("?")[0].split("/")
    best, best_literals = None, -1
    for t in doc["paths"]:
        tparts = t.split("/")
        if len(tparts) != len(parts):
            continue
        literals = 0
        for tp, pp in zip(tparts, parts):
            if tp.startswith("{") and tp.endswith("}"):
                continue
            if tp != pp:
                break
            literals += 1
        else:
            if literals > best_literals:
                best, best_literals = t, literals
    return best


class OpenApiAnswersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ivs-openapi.")
        port = free_port()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "API_HOST": "127.0.0.1", "API_PORT": str(port),
               "DATA_DIR": os.path.join(cls.dir, "data"), "API_SECRET_KEY": KEY, "LOG_LEVEL": "warn",
               "RATE_LIMIT_MAX_REQUESTS": "100000"}
        cls.log = open(os.path.join(cls.dir, "server.log"), "wb")
        cls.proc = subprocess.Popen([BINARY], cwd=cls.dir, env=env, stdout=cls.log, stderr=subprocess.STDOUT)
        cls.api = Api(f"http://127.0.0.1:{port}")
        deadline = time.time() + 30
        while True:
            try:
                if cls.api.call("GET", "/health", key=False)[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or cls.proc.poll() is not None:
                raise AssertionError("the server did not start")
            time.sleep(0.05)
        cls.publisher = None
        try:
            cls.publisher = LivePublisher(port, KEY).start()
        except Exception:
            cls.tearDownClass()
            raise
        status, text = cls.api.call("GET", "/api/openapi.json", key=False)
        assert status == 200, text
        cls.doc = json.loads(text)
        cls.checked = set()

    @classmethod
    def tearDownClass(cls):
        if cls.publisher is not None:
            cls.publisher.stop()
        cls.proc.terminate()
        cls.proc.wait(timeout=30)

    def conforms(self, method, path, status, text):
        template = template_of(self.doc, path)
        self.assertIsNotNone(template, f"{path} is not documented")
        op = self.doc["paths"][template].get(method.lower())
        self.assertIsNotNone(op, f"{method} {template} is not documented")
        responses = op["responses"]
        code = str(status) if str(status) in responses else "default" if "default" in responses else None
        self.assertIsNotNone(code, f"{method} {template} answered {status}, documented {sorted(responses)}")
        content = responses[code].get("content", {})
        if "application/json" not in content:
            return
        esc = lambda s: s.replace("~", "~0").replace("/", "~1")
        schema = dict(self.doc)
        schema["$ref"] = f"#/paths/{esc(template)}/{method.lower()}/responses/{code}/content/application~1json/schema"
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(text)))
        self.assertEqual(errors, [], f"{method} {path} {status}: {errors[0].message if errors else ''} in {text[:300]}")
        self.checked.add((method.upper(), template, status // 100))

    def expect(self, method, path, status, body=None, **kw):
        got, text = self.api.call(method, path, body, **kw)
        self.assertEqual(got, status, f"{method} {path}: {text[:300]}")
        self.conforms(method, path, got, text)
        return json.loads(text) if text.startswith("{") else None

    def test_every_endpoint_answers_as_documented(self):
        q = urllib.parse.quote
        for p in ("/", "/health", "/api/health", "/api/stats", "/api/stats/viewers", "/api/stats/stages",
                  "/api/stats/publisher", "/api/stats/timeseries", "/api/stage/list", "/api/stage/master/info",
                  "/api/stage/replication/publisher-info", "/dashboard/config.json", "/api/openapi.json"):
            self.expect("GET", p, 200)
        master = self.expect("GET", "/api/stage/master/info", 200)["data"]["stage"]["arn"]
        m = q(master, safe="")
        self.expect("GET", f"/api/stage/{m}", 200)
        self.expect("GET", f"/api/stats/stages?arn={m}", 200)
        self.expect("GET", f"/api/stats/stages/{q(master.rsplit('/', 1)[1])}", 200)
        self.expect("GET", f"/api/stage/replication/status/{m}", 200)
        self.expect("GET", f"/api/viewer/list/{m}", 200)
        self.expect("GET", f"/api/viewer/stats/{m}", 200)

        # A viewer's life.
        tok = self.expect("POST", "/api/token/viewer", 200, {"userId": "oa-user", "stageArn": master})["data"]
        viewer = {"userId": "oa-user", "stageArn": tok["stageArn"]}
        self.expect("POST", "/api/viewer/heartbeat", 200, viewer)
        self.expect("GET", f"/api/viewer/duration?userId=oa-user&stageArn={q(tok['stageArn'], safe='')}", 200)
        self.expect("POST", "/api/viewer/rejoin", 200, dict(viewer, participantId=tok["participantId"]))
        self.expect("POST", "/api/viewer/leave", 200, viewer)
        self.expect("GET", "/api/viewer/history/oa-user", 200)
        self.expect("POST", "/api/token/publisher", 200, {"userId": "oa-publisher"})

        # A stage of its own: create, rename, delete.
        created = self.expect("POST", "/api/stage", 201, {"name": "oa-stage"})["data"]["stage"]["arn"]
        c = q(created, safe="")
        self.expect("PUT", f"/api/stage/{c}", 200, {"name": "oa-stage-renamed"})
        self.expect("DELETE", f"/api/stage/{c}", 200)

        # Errors: each in the error envelope, with a documented status.
        self.expect("GET", "/api/stats", 401, key=False)
        self.expect("GET", f"/api/stage/{q('arn:aws:ivs:us-east-1:123456789012:stage/nothingHere1', safe='')}", 404)
        self.expect("GET", "/api/stage/not-an-arn", 400)
        self.expect("GET", "/api/viewer/duration", 400)
        self.expect("POST", "/api/token/viewer", 400, b"{not json")
        self.expect("POST", "/api/token/viewer", 400, {})
        self.expect("POST", "/api/viewer/heartbeat", 404, {"userId": "nobody", "stageArn": master})
        self.expect("DELETE", f"/api/stage/{m}", 403)
        self.expect("POST", "/api/token/mediaserver", 403, {"serverId": "s1", "stageArn": master})
        self.expect("GET", "/ws", 400)
        self.expect("GET", "/ws", 401, key=False)

        # Every documented JSON operation was exercised at least once.
        def json_success(op):
            return any(code.startswith("2") and "application/json" in r.get("content", {})
                       for code, r in op.get("responses", {}).items())
        documented = {(meth.upper(), t) for t, item in self.doc["paths"].items() for meth, op in item.items()
                      if json_success(op)}
        untested = sorted(documented - {(m_, t) for m_, t, _ in self.checked}
                          - {("POST", "/api/stage/replication/start"), ("DELETE", "/api/stage/replication/stop"),
                             ("POST", "/api/events/ivs"), ("POST", "/api/token/mediaserver")})
        self.assertEqual(untested, [], "documented operations without a checked answer")


if __name__ == "__main__":
    unittest.main()

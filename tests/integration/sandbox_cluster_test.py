"""The sandbox on three instances: one Redis (the test harness's), one standalone
`ivs-server emulator` that posts its EventBridge events to the first instance, and
`ivs-server simulate publisher` publishing through the second. The broadcast goes live on every
instance, stays live through the publisher polls, viewers joining round-robin are seated, every
fan-out stage carries the publisher as a replica, and when the simulator stops the broadcast goes
offline everywhere and new viewers are refused.

Run through tests/harness/run-tests.sh (it starts Redis and exports where it is)."""

import collections
import concurrent.futures
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import boto3
import requests

KEY = "sandbox-cluster-key-0123456789"
HEADERS = {"x-api-key": KEY}
POLL_SECONDS = 2  # the setting under test: the broadcast stays live through publisher polls


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, seconds, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def get(base, path):
    try:
        r = requests.get(base + path, headers=HEADERS, timeout=10)
        return r.json().get("data") or {}
    except (requests.RequestException, ValueError):
        return {}


class SandboxCluster(unittest.TestCase):
    def setUp(self):
        self.binary = os.environ.get("IVS_TEST_BINARY")
        redis_port = os.environ.get("IVS_TEST_REDIS_PORT")
        if not self.binary or not redis_port:
            if os.environ.get("IVS_TEST_REQUIRE_SERVICES") == "1":
                self.fail("IVS_TEST_BINARY or IVS_TEST_REDIS_PORT missing")
            self.skipTest("run through tests/harness/run-tests.sh (needs its Redis)")
        self.dir = tempfile.mkdtemp(prefix="ivs-sandbox-cluster-")
        self.procs = []
        self.prefix = "ivs:cluster%d:" % os.getpid()
        emulator_port = free_port()
        self.ports = [free_port() for _ in range(3)]
        self.bases = ["http://127.0.0.1:%d" % p for p in self.ports]
        self.emulator = "http://127.0.0.1:%d" % emulator_port
        self.spawn("emulator", [self.binary, "emulator", "--port", str(emulator_port),
                                "--events-url", self.bases[0] + "/api/events/ivs",
                                "--events-api-key", KEY], {})
        self.assertTrue(wait_until(self.emulator_up, 20), self.log("emulator"))
        ivs = boto3.client("ivs-realtime", endpoint_url=self.emulator, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        self.ivs = ivs
        master = ivs.create_stage(name="master")["stage"]["arn"]
        for i, port in enumerate(self.ports):
            data = os.path.join(self.dir, "data%d" % i)
            os.makedirs(data)
            self.spawn("server%d" % i, [self.binary], {
                "API_HOST": "127.0.0.1", "API_PORT": str(port), "DATA_DIR": data,
                "LOG_LEVEL": "info", "INSTANCE_ID": "cluster-%d" % i,
                "API_KEYS": "cluster:admin:%s:100000" % KEY,
                "REDIS_HOST": os.environ.get("IVS_TEST_REDIS_HOST", "127.0.0.1"),
                "REDIS_PORT": redis_port, "REDIS_KEY_PREFIX": self.prefix,
                "IVS_ENDPOINT": self.emulator, "MASTER_STAGE_ARN": master,
                "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test",
                "STAGE_CAPACITY": "100", "SCALE_UP_THRESHOLD": "90",
                "PUBLISHER_POLL_SECONDS": str(POLL_SECONDS)})
        for i, base in enumerate(self.bases):
            self.assertTrue(wait_until(lambda: self.health(base), 30), self.log("server%d" % i))

    def tearDown(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def spawn(self, name, args, env):
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
        full.update(env)
        out = open(os.path.join(self.dir, name + ".log"), "wb")
        p = subprocess.Popen(args, env=full, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.procs.append(p)
        return p

    def log(self, name):
        try:
            with open(os.path.join(self.dir, name + ".log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def emulator_up(self):
        try:
            requests.get(self.emulator + "/", timeout=1)
            return True
        except requests.RequestException:
            return False

    @staticmethod
    def health(base):
        try:
            return requests.get(base + "/health", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def live(self, base):
        return bool(get(base, "/api/stats/publisher").get("isPublisherLive"))

    def join(self, i):
        try:
            r = requests.post(self.bases[i % 3] + "/api/token/viewer", json={"userId": "u%d" % i},
                              headers=HEADERS, timeout=30)
            code = "" if r.status_code == 200 else (r.json().get("error") or {}).get("code", "")
            return r.status_code, code
        except (requests.RequestException, ValueError) as e:
            return 0, type(e).__name__

    def replicated(self, publisher):
        """The fan-out stages, and those that replicate `publisher` now (asked of every instance)."""
        stages = get(self.bases[2], "/api/stage/list").get("stages") or []
        fan = [s["stageArn"] for s in stages if not s.get("isMasterStage")]
        ok = []
        for n, arn in enumerate(fan):
            d = get(self.bases[n % 3], "/api/stage/replication/status/" +
                    urllib.parse.quote(arn, safe=""))
            info = d.get("replicationInfo") or {}
            if d.get("hasReplication") and info.get("active") and info.get("participantId") == publisher:
                ok.append(arn)
        return fan, ok

    def test_three_instances_follow_one_simulated_publisher(self):
        self.assertFalse(any(self.live(b) for b in self.bases))
        sim = self.spawn("publisher", [self.binary, "simulate", "publisher", "--url", self.bases[1],
                                       "--api-key", KEY], {})
        self.assertTrue(wait_until(lambda: all(self.live(b) for b in self.bases), 30),
                        self.log("publisher") + self.log("server0"))

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            answers = collections.Counter(pool.map(self.join, range(300)))
        self.assertEqual(answers, collections.Counter({(200, ""): 300}))
        for base in self.bases:
            self.assertTrue(wait_until(lambda: get(base, "/api/stats").get("totalViewers") == 300, 10),
                            get(base, "/api/stats"))

        # Live through several polls of the master stage, on every instance.
        polls_until = time.monotonic() + 4 * POLL_SECONDS
        while time.monotonic() < polls_until:
            for base in self.bases:
                self.assertTrue(self.live(base), base)
            time.sleep(0.5)

        publisher = (get(self.bases[0], "/api/stage/replication/publisher-info").get("publisherInfo")
                     or {}).get("participantId")
        self.assertTrue(publisher)
        state = {}

        def every_fan_out_stage_replicates():
            state["fan"], state["ok"] = self.replicated(publisher)
            return state["fan"] and len(state["ok"]) == len(state["fan"])
        self.assertTrue(wait_until(every_fan_out_stage_replicates, 30), state)
        # IVS itself lists the replica as a published participant of each fan-out stage.
        for arn in state["fan"]:
            session = self.ivs.list_stage_sessions(stageArn=arn)["stageSessions"][0]["sessionId"]
            published = self.ivs.list_participants(stageArn=arn, sessionId=session,
                                                   filterByPublished=True)["participants"]
            self.assertIn(publisher, [p["participantId"] for p in published], arn)

        sim.send_signal(signal.SIGINT)
        self.assertEqual(sim.wait(15), 0, self.log("publisher"))
        self.assertTrue(wait_until(lambda: not any(self.live(b) for b in self.bases),
                                   POLL_SECONDS + 5), self.log("server0"))
        for i in range(3):
            self.assertEqual(self.join(1000 + i), (404, "NOT_FOUND"))


if __name__ == "__main__":
    unittest.main()

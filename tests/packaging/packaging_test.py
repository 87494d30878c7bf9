"""Checks of the deployment files (ctest label `packaging`): the Dockerfile, deploy/compose.yaml
and its nginx configuration, the systemd unit, the Kubernetes manifests and .env.example.

Every variable these files give the server must be one `ivs-server --help` lists; the probe and
health-check paths must answer on a real server; nginx must pass /health and a WebSocket upgrade
through to it; `systemd-analyze verify` must accept the unit; .env.example must be exactly what
scripts/gen-env-example.sh makes now. Docker is not available where the tests run, so the
Dockerfile and compose file are checked by reading them (and by running the Dockerfile's
HEALTHCHECK command against a server here).

Run one class: python3 -m unittest -v packaging_test.ComposeTest (IVS_TEST_BINARY and
IVS_TEST_SOURCE_DIR say where the binary and the checkout are)."""

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import yaml

ROOT = os.path.abspath(os.environ.get("IVS_TEST_SOURCE_DIR")
                       or os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.abspath(os.environ.get("IVS_TEST_BINARY") or os.path.join(ROOT, "build", "ivs-server"))
DEPLOY = os.path.join(ROOT, "deploy")
API_KEY = "packaging-test-key"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def help_text():
    return subprocess.run([BINARY, "--help"], capture_output=True, text=True, check=True, timeout=30).stdout


def help_variables():
    """Names of the variables --help documents: lines that start with an upper-case name followed by
    its default ("NAME [default]", "NAME=default"), or with a NAME_WITH_UNDERSCORES and its help."""
    names = set(re.findall(r"^[ \t]*([A-Z][A-Z0-9_]*[A-Z0-9])(?=[ \t]*[\[=])", help_text(), re.M))
    names |= set(re.findall(r"^[ \t]*([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])(?=[ \t]{2,}|[ \t]*$)", help_text(), re.M))
    assert len(names) > 20, f"--help lists only {len(names)} variables"
    return names


def help_default(name):
    m = re.search(rf"^[ \t]*{name}[ \t]*(?:\[([^\]]*)\]|=(\S*))", help_text(), re.M)
    assert m, f"--help does not show a default for {name}"
    return m.group(1) if m.group(1) is not None else m.group(2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, headers=None, timeout=5):
    """(status, body) of a GET; status None when nothing answered."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return None, b""


def stop_process(proc, sig, seconds):
    """Sends `sig`, then SIGKILL if the process has not exited after `seconds`."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class Server:
    """The built ivs-server in embedded mode on a free port, in a temporary directory."""

    def __init__(self, **env):
        self.dir = tempfile.mkdtemp(prefix="ivs-packaging.")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.dir, "API_HOST": "127.0.0.1",
                "API_PORT": str(self.port), "DATA_DIR": os.path.join(self.dir, "data"),
                "API_SECRET_KEY": API_KEY, "LOG_LEVEL": "warn"}
        full.update(env)
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen([BINARY], cwd=self.dir, env=full, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: self.proc.poll() is not None or http_get(self.base + "/health", timeout=1)[0] == 200,
                     30, "the server's /health")
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited at start: {read(self.log.name)[-500:]}")
        except BaseException:
            self.stop()
            raise

    def stop(self):
        stop_process(self.proc, signal.SIGTERM, 30)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class ServerTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()


def yaml_files():
    return sorted(glob.glob(os.path.join(DEPLOY, "**", "*.yaml"), recursive=True)
                  + glob.glob(os.path.join(DEPLOY, "**", "*.yml"), recursive=True))


def env_names(env):
    """Variable names of a compose or Kubernetes `environment`/`env` (mapping or list)."""
    if isinstance(env, dict):
        return list(env)
    out = []
    for e in env or []:
        out.append(e["name"] if isinstance(e, dict) else str(e).split("=", 1)[0])
    return out


class YamlTest(unittest.TestCase):
    def test_every_yaml_file_parses(self):
        files = yaml_files()
        self.assertGreaterEqual(len(files), 5, "deploy/ should hold the compose file and the manifests")
        for f in files:
            with self.subTest(file=os.path.relpath(f, ROOT)):
                docs = [d for d in yaml.safe_load_all(read(f)) if d is not None]
                self.assertTrue(docs, "no YAML document")
                for d in docs:
                    self.assertIsInstance(d, dict)


def dockerfile_stages(text):
    """[(base image, stage name, [instruction lines])] of a Dockerfile (continuations joined)."""
    joined = re.sub(r"\\\n", " ", text)
    stages = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
        if m:
            stages.append((m.group(1), m.group(2), []))
        elif stages:
            stages[-1][2].append(line)
    return stages


def instruction(lines, keyword):
    return [l[len(keyword):].strip() for l in lines if l.upper().startswith(keyword + " ")]


class DockerfileTest(unittest.TestCase):
    """Static: Docker is not available here. The HEALTHCHECK command itself runs against a server."""

    @classmethod
    def setUpClass(cls):
        cls.text = read(os.path.join(ROOT, "Dockerfile"))
        cls.stages = dockerfile_stages(cls.text)
        cls.runtime = cls.stages[-1][2]

    def test_multi_stage_on_bookworm(self):
        self.assertGreaterEqual(len(self.stages), 2)
        for base, _, _ in self.stages:
            self.assertRegex(base, r"^debian:bookworm(-slim)?$")

    def test_runtime_runs_as_a_non_root_user(self):
        users = instruction(self.runtime, "USER")
        self.assertTrue(users, "the runtime stage sets no USER")
        self.assertNotIn(users[-1].split(":")[0], ("root", "0"))

    def test_runtime_entrypoint_port_and_data_volume(self):
        self.assertTrue(any("/ivs-server" in e for e in instruction(self.runtime, "ENTRYPOINT")))
        self.assertIn(help_default("API_PORT"), " ".join(instruction(self.runtime, "EXPOSE")))
        env = " ".join(instruction(self.runtime, "ENV"))
        data_dir = re.search(r"DATA_DIR=(\S+)", env)
        self.assertIsNotNone(data_dir, "the runtime stage does not set DATA_DIR")
        self.assertIn(data_dir.group(1), " ".join(instruction(self.runtime, "VOLUME")))
        for name in re.findall(r"([A-Z][A-Z0-9_]*)=", env):
            self.assertIn(name, help_variables())

    def test_build_stage_installs_the_development_packages_of_install_deps(self):
        build_lines = " ".join(self.stages[0][2])
        deps = read(os.path.join(ROOT, "scripts", "install-deps.sh"))
        wanted = set(re.findall(r"\b(lib[a-z0-9.+-]+-dev|nettle-dev)\b", deps))
        wanted -= {"libgtest-dev", "libgmock-dev", "libbenchmark-dev"}  # tests and benchmarks only
        wanted -= {"libfuzzer-14-dev", "libclang-rt-14-dev"}  # `make fuzz` only
        for pkg in sorted(wanted):
            self.assertRegex(build_lines, rf"(?<![\w.-]){re.escape(pkg)}(?![\w.-])",
                             f"the build stage does not install {pkg}")

    def test_runtime_stage_installs_every_library_the_binary_links(self):
        if shutil.which("readelf") is None or shutil.which("dpkg") is None:
            self.skipTest("readelf or dpkg missing")
        runtime = " ".join(self.runtime)
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                            subprocess.run(["readelf", "-d", BINARY], capture_output=True, text=True).stdout)
        self.assertTrue(needed)
        base = {"libc6", "libgcc-s1", "libstdc++6"}  # in every Debian image
        for lib in needed:
            owner = subprocess.run(["dpkg", "-S", lib], capture_output=True, text=True).stdout
            pkgs = {line.split(":")[0] for line in owner.splitlines() if "/" in line}
            self.assertTrue(pkgs, f"no package provides {lib}")
            if pkgs & base:
                continue
            self.assertTrue(any(re.search(rf"(?<![\w.-]){re.escape(p)}(?![\w.-])", runtime) for p in pkgs),
                            f"the runtime stage installs none of {sorted(pkgs)} (for {lib})")

    def test_healthcheck_command_probes_health(self):
        hc = instruction(self.runtime, "HEALTHCHECK")
        self.assertTrue(hc, "no HEALTHCHECK")
        m = re.search(r"CMD\s+(\[.*\])\s*$", hc[-1])
        self.assertIsNotNone(m, "HEALTHCHECK CMD should use the exec form")
        argv = json.loads(m.group(1))
        self.assertIn("/health", " ".join(argv))
        if shutil.which(argv[0]) is None:
            self.skipTest(f"{argv[0]} missing")
        server = Server()
        try:
            env = dict(os.environ, API_PORT=str(server.port))
            self.assertEqual(subprocess.run(argv, env=env, timeout=30).returncode, 0,
                             "the HEALTHCHECK command fails against a healthy server")
        finally:
            server.stop()
        env = dict(os.environ, API_PORT=str(free_port()))
        self.assertNotEqual(subprocess.run(argv, env=env, capture_output=True, timeout=30).returncode, 0,
                            "the HEALTHCHECK command succeeds with no server")


def check_config(env):
    """Runs `ivs-server check-config` with exactly these variables: (exit code, output)."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    full.update({k: str(v) for k, v in env.items()})
    with tempfile.TemporaryDirectory() as d:
        full.setdefault("DATA_DIR", d)
        r = subprocess.run([BINARY, "check-config"], env=full, cwd=d, capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


def interpolate(value):
    """Compose's ${VAR:?message} / ${VAR:-default} / ${VAR} with test values for the required ones."""
    def sub(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if op == ":-":
            return arg
        return f"test-value-for-{name.lower().replace('_', '-')}-0123456789"
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[?-])([^}]*))?\}", sub, str(value))


class ComposeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc = yaml.safe_load(read(os.path.join(DEPLOY, "compose.yaml")))
        cls.services = cls.doc["services"]

        def ours(s):
            return "build" in s or "ivs" in str(s.get("image", ""))

        def command(s):
            return str(s.get("command", "")) + str(s.get("entrypoint", ""))
        cls.emulators = {k: s for k, s in cls.services.items() if ours(s) and "emulator" in command(s)}
        cls.instances = {k: s for k, s in cls.services.items() if ours(s) and k not in cls.emulators}

    def image_of(self, word):
        return [k for k, s in self.services.items() if word in str(s.get("image", ""))]

    def test_services(self):
        self.assertTrue(any(re.match(r"redis:7", str(s.get("image", ""))) for s in self.services.values()))
        self.assertTrue(any(re.match(r"postgres:15", str(s.get("image", ""))) for s in self.services.values()))
        self.assertEqual(len(self.emulators), 1, "one standalone emulator")
        self.assertGreaterEqual(len(self.instances), 2, "two ivs-server instances")
        self.assertTrue(self.image_of("nginx"), "a load balancer")

    def test_every_variable_given_to_an_ivs_service_is_in_help(self):
        known = help_variables()
        for name, s in {**self.instances, **self.emulators}.items():
            for var in env_names(s.get("environment")):
                with self.subTest(service=name, variable=var):
                    self.assertIn(var, known)

    def test_instances_share_the_emulator_redis_and_postgresql(self):
        emu_name, emu = next(iter(self.emulators.items()))
        emu_port = re.search(r"--port['\",\s]+(\d+)", str(emu["command"])).group(1)
        self.assertIn("0.0.0.0", str(emu["command"]), "the emulator must listen beyond its container")
        redis = self.image_of("redis")[0]
        pg = self.image_of("postgres")[0]
        for name, s in self.instances.items():
            env = s["environment"]
            with self.subTest(service=name):
                self.assertEqual(env["IVS_ENDPOINT"], f"http://{emu_name}:{emu_port}")
                self.assertEqual(env["REDIS_HOST"], redis)
                self.assertEqual(env["DB_HOST"], pg)
                self.assertIn("MASTER_STAGE_ARN", str(s.get("entrypoint", "")) + str(env),
                              "the instances need the master stage ARN")
        secrets = {self.instances[n]["environment"]["SESSION_SECRET"] for n in self.instances}
        self.assertEqual(len(secrets), 1, "every instance needs the same SESSION_SECRET")

    def test_instance_configuration_is_valid(self):
        for name, s in self.instances.items():
            env = {k: interpolate(v) for k, v in s["environment"].items()}
            env.setdefault("MASTER_STAGE_ARN", "arn:aws:ivs:us-east-1:123456789012:stage/abcdABCD1234")
            with self.subTest(service=name):
                rc, out = check_config(env)
                self.assertEqual(rc, 0, out)

    def test_instances_stop_after_the_shutdown_grace(self):
        for name, s in self.instances.items():
            grace = int(s["environment"].get("SHUTDOWN_GRACE_SECONDS", help_default("SHUTDOWN_GRACE_SECONDS")))
            m = re.fullmatch(r"(\d+)s", str(s.get("stop_grace_period", "10s")))
            with self.subTest(service=name):
                self.assertIsNotNone(m)
                self.assertGreater(int(m.group(1)), grace)

    def test_load_balancer_mounts_its_configuration(self):
        lb = self.services[self.image_of("nginx")[0]]
        mounts = [v.split(":")[0] for v in lb.get("volumes", []) if str(v).startswith(".")]
        self.assertTrue(mounts)
        for m in mounts:
            self.assertTrue(os.path.isfile(os.path.join(DEPLOY, m)), m)


class NginxTest(ServerTestCase):
    """deploy/nginx/ivs-server.conf, its upstreams pointed at a real server, run by nginx here."""

    def setUp(self):
        if shutil.which("nginx") is None:
            self.skipTest("nginx missing")
        self.dir = tempfile.mkdtemp(prefix="ivs-nginx.")
        self.port = free_port()
        conf = read(os.path.join(DEPLOY, "nginx", "ivs-server.conf"))
        conf = re.sub(r"server\s+ivs-\d+:\d+", f"server 127.0.0.1:{self.server.port}", conf)
        conf = re.sub(r"listen\s+80\s*;", f"listen 127.0.0.1:{self.port};", conf)
        write(os.path.join(self.dir, "ivs-server.conf"), conf)
        user = "user root;" if os.getuid() == 0 else ""
        d = self.dir
        write(os.path.join(d, "nginx.conf"), f"""{user}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  include {d}/ivs-server.conf;
}}
""")
        t = subprocess.run(["nginx", "-t", "-c", f"{d}/nginx.conf", "-p", d], capture_output=True, text=True)
        self.assertEqual(t.returncode, 0, t.stderr)
        self.nginx = subprocess.Popen(["nginx", "-c", f"{d}/nginx.conf", "-p", d],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self.nginx.poll() is not None or http_get(f"http://127.0.0.1:{self.port}/", timeout=1)[0],
                 20, "nginx")
        self.assertIsNone(self.nginx.poll(), read(f"{d}/error.log")[-500:])

    def tearDown(self):
        stop_process(getattr(self, "nginx", None), signal.SIGQUIT, 10)
        shutil.rmtree(getattr(self, "dir", ""), ignore_errors=True)

    def test_health_through_the_load_balancer(self):
        status, body = http_get(f"http://127.0.0.1:{self.port}/health")
        self.assertEqual(status, 200, body[:200])

    def test_websocket_upgrade_passes_through(self):
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
                       f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                       f"x-api-key: {API_KEY}\r\n\r\n").encode())
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(4096)
                if not chunk:
                    break
                head += chunk
        status_line = head.split(b"\r\n", 1)[0].decode(errors="replace")
        self.assertIn(" 101 ", status_line, head[:300])
        # RFC 6455 4.2.2: the accept value for this key.
        self.assertIn(b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head)


def unit_settings(text):
    settings = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$", line)
        if m and not line.lstrip().startswith(("#", ";")):
            settings.setdefault(m.group(1), []).append(m.group(2))
    return settings


class SystemdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.path = os.path.join(DEPLOY, "systemd", "ivs-server.service")
        cls.text = read(cls.path)
        cls.settings = unit_settings(cls.text)

    def one(self, key):
        self.assertIn(key, self.settings, f"the unit has no {key}=")
        return self.settings[key][-1]

    def test_systemd_analyze_verify(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze missing")
        with tempfile.TemporaryDirectory() as d:
            unit = os.path.join(d, "ivs-server.service")
            # The installed path does not exist here: verify the unit with the built binary.
            text = re.sub(r"^(ExecStart\w*=[-@:+!]*)(\S*/ivs-server)\b",
                          lambda m: m.group(1) + (m.group(2) if os.path.exists(m.group(2)) else BINARY),
                          self.text, flags=re.M)
            write(unit, text)
            r = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True, timeout=60)
        complaints = [l for l in (r.stdout + r.stderr).splitlines() if "ivs-server.service" in l]
        self.assertEqual((r.returncode, complaints), (0, []), r.stdout + r.stderr)

    def test_runs_the_server_as_a_dedicated_user_with_an_environment_file(self):
        self.assertEqual(self.one("ExecStart").split()[0], "/usr/local/bin/ivs-server")
        self.assertNotIn(self.one("User"), ("root", "0"))
        self.assertTrue(self.one("EnvironmentFile").lstrip("-").startswith("/"))
        sysusers = read(os.path.join(DEPLOY, "systemd", "ivs-server.sysusers"))
        self.assertRegex(sysusers, rf"(?m)^u\s+{re.escape(self.one('User'))}\s")

    def test_hardening_and_limits(self):
        for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                           ("ProtectHome", "yes"), ("Restart", "on-failure")):
            self.assertEqual(self.one(key), value, key)
        self.assertGreaterEqual(int(self.one("LimitNOFILE")), 4096)
        env = dict(e.split("=", 1) for v in self.settings.get("Environment", []) for e in v.split())
        self.assertIn(env.get("DATA_DIR"), self.one("ReadWritePaths").split(), "DATA_DIR must be writable")
        grace = int(env.get("SHUTDOWN_GRACE_SECONDS", help_default("SHUTDOWN_GRACE_SECONDS")))
        self.assertGreater(int(re.match(r"\d+", self.one("TimeoutStopSec")).group(0)), grace)

    def test_environment_variables_are_in_help(self):
        known = help_variables()
        for v in self.settings.get("Environment", []):
            for e in v.split():
                self.assertIn(e.split("=", 1)[0].strip('"'), known)


class EnvExampleTest(unittest.TestCase):
    def test_matches_what_the_generator_makes_now(self):
        r = subprocess.run([os.path.join(ROOT, "scripts", "gen-env-example.sh"), "--check", BINARY,
                            os.path.join(ROOT, ".env.example")], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-1000:])

    def test_names_every_variable_of_help_and_no_other(self):
        names = re.findall(r"^# ([A-Z][A-Z0-9_]*)=", read(os.path.join(ROOT, ".env.example")), re.M)
        self.assertEqual(len(names), len(set(names)), "a variable appears twice")
        self.assertEqual(set(names), help_variables())

    def test_secrets_are_empty(self):
        text = read(os.path.join(ROOT, ".env.example"))
        for m in re.finditer(r"^# (.*)\(secret\)\n# ([A-Z][A-Z0-9_]*)=(.*)$", text, re.M):
            self.assertEqual(m.group(3), "", m.group(2))

    def test_the_server_starts_with_it_as_its_env_file(self):
        # Everything commented out: the defaults, so embedded mode starts.
        d = tempfile.mkdtemp(prefix="ivs-envfile.")
        try:
            shutil.copy(os.path.join(ROOT, ".env.example"), os.path.join(d, ".env"))
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATA_DIR": os.path.join(d, "data")}
            r = subprocess.run([BINARY, "check-config"], env=env, cwd=d, capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


def k8s_documents():
    docs = []
    for f in sorted(glob.glob(os.path.join(DEPLOY, "k8s", "*.yaml"))):
        docs += [d for d in yaml.safe_load_all(read(f)) if isinstance(d, dict)]
    return docs


class GrafanaTest(ServerTestCase):
    """The Grafana dashboard reads only metrics the server exports."""

    def test_every_metric_it_queries_is_exported(self):
        doc = json.loads(read(os.path.join(DEPLOY, "grafana", "ivs-server.json")))
        exprs = [t["expr"] for p in doc["panels"] for t in p.get("targets", [])]
        self.assertGreaterEqual(len(exprs), 5)
        used = set()
        for e in exprs:
            used |= {m for m in re.findall(r"\b((?:ivs|process)_[a-z0-9_]+)", e)}
        status, body = http_get(self.server.base + "/metrics")
        self.assertEqual(status, 200)
        if isinstance(body, bytes):
            body = body.decode()
        exported = set(re.findall(r"^# TYPE ([a-zA-Z0-9_:]+) ", body, re.M))
        # Redis-mode families are registered only with Redis.
        for m in sorted(used - {"ivs_redis_connections"}):
            with self.subTest(metric=m):
                base = re.sub(r"_(bucket|sum|count)$", "", m)
                self.assertTrue(m in exported or base in exported, f"{m} is not in /metrics")


class KubernetesTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = k8s_documents()
        cls.by_kind = {}
        for d in cls.docs:
            cls.by_kind.setdefault(d["kind"], []).append(d)
        super().setUpClass()

    def only(self, kind):
        self.assertEqual(len(self.by_kind.get(kind, [])), 1, f"one {kind}")
        return self.by_kind[kind][0]

    def pod(self):
        return self.only("Deployment")["spec"]["template"]

    def container(self):
        return self.pod()["spec"]["containers"][0]

    def config_data(self):
        return {k: str(v) for k, v in (self.only("ConfigMap").get("data") or {}).items()}

    def secret_data(self):
        s = self.only("Secret")
        return {k: str(v) for k, v in (s.get("stringData") or s.get("data") or {}).items()}

    def test_kinds(self):
        for kind in ("Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "Secret"):
            self.assertIn(kind, self.by_kind)
        self.assertGreaterEqual(self.only("Deployment")["spec"]["replicas"], 2)

    def test_probe_paths_answer_200_on_a_real_server(self):
        c = self.container()
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        expected = {"livenessProbe": "/health", "readinessProbe": "/api/health"}
        for probe, path in expected.items():
            get = c[probe]["httpGet"]
            self.assertEqual(get["path"], path, probe)
            port = get["port"]
            self.assertEqual(ports.get(port, port), int(self.config_data()["API_PORT"]), probe)
            status, body = http_get(self.server.base + get["path"])
            self.assertEqual(status, 200, f"{probe} {get['path']}: {body[:200]}")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if probe in c and "httpGet" in c[probe]:
                self.assertEqual(http_get(self.server.base + c[probe]["httpGet"]["path"])[0], 200, probe)

    def test_graceful_termination(self):
        spec = self.pod()["spec"]
        grace = int(self.config_data().get("SHUTDOWN_GRACE_SECONDS", help_default("SHUTDOWN_GRACE_SECONDS")))
        pre_stop = self.container()["lifecycle"]["preStop"]
        cmd = pre_stop.get("exec", {}).get("command", [])
        pause = int(cmd[1]) if cmd[:1] == ["sleep"] else int(pre_stop.get("sleep", {}).get("seconds", 0))
        self.assertGreater(pause, 0, "a preStop pause lets the load balancer drain")
        self.assertGreater(spec["terminationGracePeriodSeconds"], grace + pause)

    def test_security_context_resources_and_data_dir(self):
        spec = self.pod()["spec"]
        c = self.container()
        self.assertTrue(spec["securityContext"]["runAsNonRoot"])
        self.assertNotEqual(spec["securityContext"].get("runAsUser"), 0)
        self.assertTrue(c["securityContext"]["readOnlyRootFilesystem"])
        self.assertFalse(c["securityContext"]["allowPrivilegeEscalation"])
        self.assertIn("requests", c["resources"])
        self.assertIn("limits", c["resources"])
        empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        self.assertIn(mounts.get(self.config_data()["DATA_DIR"]), empty_dirs, "DATA_DIR on an emptyDir")

    def test_selectors_and_references(self):
        labels = self.pod()["metadata"]["labels"]
        for kind, selector in (("Service", self.only("Service")["spec"]["selector"]),
                               ("PodDisruptionBudget", self.only("PodDisruptionBudget")["spec"]["selector"]["matchLabels"]),
                               ("Deployment", self.only("Deployment")["spec"]["selector"]["matchLabels"])):
            self.assertTrue(selector.items() <= labels.items(), kind)
        refs = self.container()["envFrom"]
        self.assertIn(self.only("ConfigMap")["metadata"]["name"], [r.get("configMapRef", {}).get("name") for r in refs])
        self.assertIn(self.only("Secret")["metadata"]["name"], [r.get("secretRef", {}).get("name") for r in refs])
        ports = {p["name"] for p in self.container()["ports"]}
        for p in self.only("Service")["spec"]["ports"]:
            self.assertIn(p["targetPort"], ports)

    def test_every_variable_is_in_help(self):
        known = help_variables()
        names = env_names(self.container().get("env")) + list(self.config_data()) + list(self.secret_data())
        for name in names:
            with self.subTest(variable=name):
                self.assertIn(name, known)
        for name in ("API_SECRET_KEY", "SESSION_SECRET", "DB_PASSWORD"):
            self.assertIn(name, self.secret_data())
            self.assertNotIn(name, self.config_data(), "secrets belong in the Secret")

    def test_configuration_is_valid(self):
        env = {**self.config_data(), **self.secret_data()}
        for e in self.container().get("env", []):
            env.setdefault(e["name"], e.get("value", "pod-name"))
        env.pop("DATA_DIR", None)  # not writable here
        rc, out = check_config(env)
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main()

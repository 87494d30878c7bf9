"""The processes a chaos run starts: Redis, a PostgreSQL cluster, ivs-server and its standalone
IVS emulator, each on a free port in the run's temporary directory. Every one registers with a
Registry, which stops them all (continuing stopped ones first) however the run ends."""

import datetime
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time

HOST = "127.0.0.1"


class ChaosError(Exception):
    """A service could not be started or driven: the fault it belongs to cannot be judged."""


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def poll(predicate, seconds, what, interval=0.05):
    """Waits until predicate() is true; raises ChaosError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        if predicate():
            return
        if time.monotonic() >= deadline:
            raise ChaosError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(interval)


def tail(path, chars=600):
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - chars))
            return f.read().decode(errors="replace").strip()
    except OSError:
        return ""


def signal_pid(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


def stop_process(proc, grace):
    """SIGCONT (a stopped process ignores SIGTERM), SIGTERM, then SIGKILL after `grace` s."""
    if proc is None or proc.poll() is not None:
        return
    signal_pid(proc.pid, signal.SIGCONT)
    signal_pid(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        signal_pid(proc.pid, signal.SIGKILL)
        proc.wait()


def http_status(port, path, timeout=1.0):
    """Status of a GET on a fresh connection, None when nothing answered in time."""
    s = None
    try:
        s = socket.create_connection((HOST, port), timeout=timeout)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode())
        line = s.recv(64).split(b"\r\n", 1)[0].split()
        return int(line[1]) if len(line) >= 2 and line[1].isdigit() else None
    except OSError:
        return None
    finally:
        if s is not None:
            s.close()


class Registry:
    """Everything started during the run, stopped in reverse order by stop_all()."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, service):
        with self.lock:
            self.items.append(service)
        return service

    def remove(self, service):
        with self.lock:
            if service in self.items:
                self.items.remove(service)

    def stop_all(self):
        with self.lock:
            items, self.items = list(reversed(self.items)), []
        for s in items:
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                print(f"chaos: stopping {type(s).__name__} failed: {e}", flush=True)


class Redis:
    """redis-server in the foreground (so its PID is ours). fsync "always" keeps every
    acknowledged write across kill -9, like a production Redis configured not to lose data."""

    def __init__(self, workdir, fsync="always"):
        self.dir = os.path.join(workdir, f"redis-{free_port()}")
        os.makedirs(self.dir)
        self.port = free_port()
        self.fsync = fsync
        self.proc = None

    def start(self):
        args = ["redis-server", "--port", str(self.port), "--bind", HOST, "--dir", self.dir, "--save", "",
                "--daemonize", "no", "--logfile", os.path.join(self.dir, "redis.log")]
        if self.fsync == "none":
            args += ["--appendonly", "no"]
        else:
            args += ["--appendonly", "yes", "--appendfsync", self.fsync]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        poll(lambda: self.proc.poll() is not None or self.ping(), 20, f"Redis on {self.port}")
        if self.proc.poll() is not None:
            raise ChaosError(f"redis-server exited: {tail(os.path.join(self.dir, 'redis.log'))}")

    def ping(self):
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill9(self):
        signal_pid(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def pause(self):
        signal_pid(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        if self.proc is not None and self.proc.poll() is None:
            signal_pid(self.proc.pid, signal.SIGCONT)

    def stop(self):
        stop_process(self.proc, 10)


def _as_postgres(args):
    return (["runuser", "-u", "postgres", "--"] + args) if os.getuid() == 0 else args


def _children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry))
    return out


class Postgres:
    """A throw-away PostgreSQL cluster run as the `postgres` user (it refuses root)."""

    def __init__(self, workdir):
        versions = sorted((d for d in os.listdir("/usr/lib/postgresql") if d.isdigit()), key=int)
        if not versions:
            raise ChaosError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
        self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.dir = os.path.join(workdir, "pg")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.paused = []
        os.makedirs(self.dir)
        if os.getuid() == 0:
            import pwd
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        r = subprocess.run(_as_postgres([f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                                         "--no-sync", "-E", "UTF8"]), capture_output=True, text=True)
        if r.returncode != 0:
            raise ChaosError(f"initdb failed: {r.stderr[-400:]}")

    def start(self):
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c fsync=off -c max_connections=300"
        r = subprocess.run(_as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"),
                                         "-w", "-t", "60", "-o", opts, "start"]), capture_output=True, text=True)
        if r.returncode != 0:
            raise ChaosError(f"PostgreSQL did not start: {r.stdout[-300:]} {tail(os.path.join(self.dir, 'log'))}")

    def stop_fast(self):
        subprocess.run(_as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"]),
                       capture_output=True)

    def postmaster(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def pause(self):
        """SIGSTOP the postmaster first (a stopped postmaster forks nothing new), then its children."""
        pm = self.postmaster()
        if pm is None:
            raise ChaosError("no PostgreSQL postmaster to stop")
        signal_pid(pm, signal.SIGSTOP)
        self.paused = [pm]
        for child in _children(pm):
            if signal_pid(child, signal.SIGSTOP):
                self.paused.append(child)
        return len(self.paused)

    def resume(self):
        for pid in self.paused:
            signal_pid(pid, signal.SIGCONT)
        self.paused = []

    def sql(self, db, query):
        """Rows of a query as lists of strings (psql -At, tab-separated)."""
        r = subprocess.run(["psql", "-h", HOST, "-p", str(self.port), "-U", "postgres", "-d", db, "-At", "-F", "\t",
                            "-v", "ON_ERROR_STOP=1", "-c", query], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise ChaosError(f"psql failed: {r.stderr.strip()[-300:]}")
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def stop(self):
        pm = self.postmaster()
        if pm is not None:
            signal_pid(pm, signal.SIGCONT)
            for child in _children(pm):
                signal_pid(child, signal.SIGCONT)
        self.resume()
        self.stop_fast()
        pm = self.postmaster()
        if pm is not None and signal_pid(pm, 0):
            subprocess.run(_as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"]),
                           capture_output=True)


class Server:
    """build/ivs-server with exactly the given variables, on a fixed free port so a restart comes
    back where the load expects it. `nofile` runs it under `ulimit -n`."""

    def __init__(self, binary, workdir, name, env, nofile=None, port=None):
        self.binary, self.nofile = binary, nofile
        self.port = port or free_port()
        self.dir = os.path.join(workdir, f"server-{name}")
        os.makedirs(self.dir)
        self.log_path = os.path.join(self.dir, "server.log")
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.dir, "API_HOST": HOST,
                    "API_PORT": str(self.port), "DATA_DIR": os.path.join(self.dir, "data"), "LOG_LEVEL": "warn",
                    "SHUTDOWN_GRACE_SECONDS": "10"}
        self.env.update(env)
        self.proc = None
        self.starts = 0

    def start(self, seconds=60):
        argv = [self.binary]
        if self.nofile:
            argv = ["/bin/sh", "-c", f'ulimit -n {int(self.nofile)} || exit 111; exec "$0"', self.binary]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, cwd=self.dir, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1
        poll(lambda: self.proc.poll() is not None or http_status(self.port, "/health") == 200, seconds,
             f"ivs-server /health on {self.port}", interval=0.1)
        if self.proc.poll() is not None:
            raise ChaosError(f"ivs-server exited at start ({self.proc.returncode}): {tail(self.log_path)}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        signal_pid(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_lines_since(self, offset):
        lines = 0
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            for chunk in iter(lambda: f.read(1 << 20), b""):
                lines += chunk.count(b"\n")
        return lines

    def stop(self):
        stop_process(self.proc, 20)


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class Emulator:
    """`ivs-server emulator`: IVS Real-Time alone, over the AWS wire protocol (SigV4, `ivs`).
    With `events_url` it posts its EventBridge events there (with `events_key` as x-api-key)."""

    def __init__(self, binary, workdir, region="us-east-1", key="test", secret="test", events_url=None,
                 events_key=None):
        self.binary, self.region, self.key, self.secret = binary, region, key, secret
        self.events = ["--events-url", events_url] if events_url else []
        if events_url and events_key:
            self.events += ["--events-api-key", events_key]
        self.port = free_port()
        self.log_path = os.path.join(workdir, f"emulator-{self.port}.log")
        self.proc = None

    def start(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_REGION": self.region,
               "IVS_EMULATOR_ACCESS_KEY_ID": self.key, "IVS_EMULATOR_SECRET_ACCESS_KEY": self.secret}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([self.binary, "emulator", "--port", str(self.port)] + self.events, env=env,
                                         stdout=log, stderr=subprocess.STDOUT)

        def listening():
            try:
                socket.create_connection((HOST, self.port), timeout=0.5).close()
                return True
            except OSError:
                return self.proc.poll() is not None
        poll(listening, 20, f"the emulator on {self.port}")
        if self.proc.poll() is not None:
            raise ChaosError(f"the emulator exited: {tail(self.log_path)}")

    def call(self, operation, body):
        """One signed restJson1 call (POST /<Operation>); returns the decoded answer."""
        payload = json.dumps(body).encode()
        amz = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        day = amz[:8]
        headers = {"content-type": "application/json", "host": f"{HOST}:{self.port}", "x-amz-date": amz}
        signed = ";".join(sorted(headers))
        canonical = "\n".join(["POST", f"/{operation}", "", "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
                               signed, _sha256(payload)])
        scope = f"{day}/{self.region}/ivs/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz, scope, _sha256(canonical.encode())])
        k = _hmac(("AWS4" + self.secret).encode(), day)
        for part in (self.region, "ivs", "aws4_request"):
            k = _hmac(k, part)
        signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.key}/{scope}, SignedHeaders={signed}, "
                                    f"Signature={signature}")
        c = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            c.request("POST", f"/{operation}", body=payload, headers=headers)
            r = c.getresponse()
            text = r.read()
        finally:
            c.close()
        if r.status != 200:
            raise ChaosError(f"emulator {operation}: {r.status} {text[:200]!r}")
        return json.loads(text)

    def stop(self):
        stop_process(self.proc, 10)

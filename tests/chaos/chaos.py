#!/usr/bin/env python3
"""Fault injection against the real server (`make chaos`).

Starts its own Redis, PostgreSQL and ivs-server on free ports in a temporary directory, drives a
bounded viewer load (join -> heartbeats -> leave or abandon) and injects one fault at a time:

  redis-kill              Redis kill -9, restarted after 5 s (append-only file, fsync always)
  redis-stop              Redis SIGSTOP for 10 s
  pg-down                 PostgreSQL stopped (fast shutdown) for 30 s, then started
  pg-stop                 PostgreSQL SIGSTOP (postmaster and children) for 20 s
  server-kill             ivs-server kill -9 and restart (Redis + PostgreSQL, in-process IVS emulator)
  server-kill-ivs         the same with a standalone `ivs-server emulator` that outlives the server
  server-kill-embedded    the same in embedded mode (memory + SQLite, in-process emulator)
  fd-exhaustion           embedded server under `ulimit -n 512` while 800 idle connections are held

For each fault it counts joins confirmed (200), the history rows of their sessions (PostgreSQL or
SQLite, as the mode has it), rows missing, duplicated, left open after the sessions must have ended
and rows without a confirmed join, the longest request, the /api/health answer times (probed on
fresh connections) and whether the server recovered on its own. It prints a JSON table on stdout
(progress on stderr) and exits 1 when a fault breaks a rule:

  every confirmed join has exactly one row, closed once the sessions have ended; no row for a join
  that was refused (a non-200 answer) and never confirmed; no request over 2.5 s; /api/health
  answers every probe within 1.2 s (while the server process is up); the server recovers without a
  restart (server-kill faults: the restarted server serves). fd-exhaustion also: /health from a new
  connection answers within 1 s while the connections are held, and the log gains fewer than 100
  lines in that window.

  python3 tests/chaos/chaos.py [--build build] [--short] [--only NAME[,NAME]] [--json FILE] [--keep]
"""

import argparse
import collections
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from live_publisher import LivePublisher, PublisherError  # noqa: E402
from load import Prober, ViewerLoad, join_once, probe  # noqa: E402
from services import ChaosError, Emulator, Postgres, Redis, Registry, Server, free_port, tail  # noqa: E402

MAX_REQUEST_S = 2.5
HEALTH_MAX_S = 1.2
FD_HEALTH_MAX_S = 1.0
FD_LOG_LINES = 100
API_KEY = "k"
HEARTBEAT_TIMEOUT_S = 5
SWEEP_S = 10  # the sweeper ends an expired session within this


def log(msg):
    print(f"chaos: {msg}", file=sys.stderr, flush=True)


class Timing:
    """Durations of one run: the issue's values, or brief ones with --short."""

    def __init__(self, short):
        self.short = short
        self.warmup = 4 if short else 10
        self.after = 6 if short else 15
        self.settle = 45 if short else 75
        self.recover = 30 if short else 60
        self.rate = 60 if short else 100
        self.threads = 16 if short else 24
        self.fault = {"redis-kill": 3 if short else 5, "redis-stop": 4 if short else 10,
                      "pg-down": 6 if short else 30, "pg-stop": 5 if short else 20,
                      "fd-exhaustion": 6 if short else 15}


class Run:
    """Shared state of one chaos run: the work directory, the registry, the PostgreSQL cluster."""

    def __init__(self, args):
        self.binary = os.path.abspath(os.path.join(args.build, "ivs-server"))
        if not os.access(self.binary, os.X_OK):
            raise SystemExit(f"chaos: {self.binary} not found; run `make build` first")
        for tool in ("redis-server", "psql"):
            if shutil.which(tool) is None:
                raise SystemExit(f"chaos: {tool} is missing (make deps)")
        self.timing = Timing(args.short)
        self.redis_fsync = args.redis_fsync
        self.workdir = tempfile.mkdtemp(prefix="ivs-chaos.")
        os.chmod(self.workdir, 0o755)
        self.registry = Registry()
        self.pg = None
        self.db_count = 0

    def postgres(self):
        if self.pg is None:
            self.pg = self.registry.add(Postgres(self.workdir))
            self.pg.start()
        return self.pg

    def new_database(self):
        self.db_count += 1
        name = f"chaos_{self.db_count}"
        self.postgres().sql("postgres", f"create database {name}")
        return name

    def production_env(self, tag, redis):
        db = self.new_database()
        env = {"API_SECRET_KEY": API_KEY, "SESSION_SECRET": "chaos-session-secret-0123456789",
               "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis.port), "REDIS_KEY_PREFIX": f"chaos:{tag}:",
               "DB_HOST": "127.0.0.1", "DB_PORT": str(self.pg.port), "DB_NAME": db, "DB_USER": "postgres",
               "DB_PASSWORD": ""}
        return env, db

    def common_env(self):
        return {"HEARTBEAT_TIMEOUT_SECONDS": str(HEARTBEAT_TIMEOUT_S),
                "HEARTBEAT_INTERVAL_SECONDS": "2", "HEARTBEAT_CHECKPOINT_SECONDS": "5",
                "RATE_LIMIT_MAX_REQUESTS": "100000000"}


class Fault:
    """One fault: its mode, how it is injected, and what was seen."""

    def __init__(self, run, name):
        self.run, self.name, self.t = run, name, run.timing
        self.mode = "memory+sqlite" if name in ("server-kill-embedded", "fd-exhaustion") else "redis+postgres"
        self.ivs = "standalone" if name == "server-kill-ivs" else "in-process"
        self.prefix = f"ch{uuid.uuid4().hex[:6]}-"
        self.redis = self.server = self.emulator = self.publisher = None
        self.db = None
        self.down = []  # (from, to) monotonic windows in which the server process was not serving
        self.extra = {}
        self.violations = []

    # --- setup -------------------------------------------------------------------------------
    def start(self):
        r = self.run
        env = dict(r.common_env())
        tag = self.name.replace("-", "")
        if self.mode == "redis+postgres":
            self.redis = r.registry.add(Redis(r.workdir, r.redis_fsync))
            self.redis.start()
            prod, self.db = r.production_env(tag, self.redis)
            env.update(prod)
        else:
            env["API_SECRET_KEY"] = API_KEY
        port = free_port()
        if self.ivs == "standalone":
            # Its events reach the server as an EventBridge API destination's would.
            self.emulator = r.registry.add(Emulator(r.binary, r.workdir, events_url=f"http://127.0.0.1:{port}/api/events/ivs",
                                                    events_key=API_KEY))
            self.emulator.start()
            master = self.emulator.call("CreateStage", {"name": "master"})["stage"]["arn"]
            env.update({"IVS_ENDPOINT": f"http://127.0.0.1:{self.emulator.port}", "MASTER_STAGE_ARN": master,
                        "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
        nofile = 512 if self.name == "fd-exhaustion" else None
        self.server = r.registry.add(Server(r.binary, r.workdir, self.name, env, nofile=nofile, port=port))
        self.server.start()
        # Viewers join a live broadcast (the default REQUIRE_LIVE_PUBLISHER=true): a simulated
        # broadcaster, which publishes again after a server restart as an encoder reconnects.
        try:
            self.publisher = LivePublisher(self.server.port, API_KEY).start()
        except PublisherError as e:
            raise ChaosError(f"the broadcast did not go live: {e}") from e
        if nofile:
            with open(f"/proc/{self.server.proc.pid}/limits") as f:
                limit = next((l.split()[3] for l in f if l.startswith("Max open files")), "?")
            if limit != str(nofile):
                raise ChaosError(f"the server runs with a descriptor limit of {limit}, not {nofile}")

    def stop(self):
        if self.publisher is not None:
            self.publisher.stop()
        for s in (self.server, self.emulator, self.redis):
            if s is not None:
                s.stop()
                self.run.registry.remove(s)

    # --- the faults ----------------------------------------------------------------------------
    def inject(self, stop_event):
        d = self.t.fault.get(self.name, 0)
        self.extra["fault_seconds"] = d
        if self.name == "redis-kill":
            self.redis.kill9()
            stop_event.wait(d)
            self.redis.start()
        elif self.name == "redis-stop":
            self.redis.pause()
            try:
                stop_event.wait(d)
            finally:
                self.redis.resume()
        elif self.name == "pg-down":
            self.run.pg.stop_fast()
            stop_event.wait(d)
            self.run.pg.start()
        elif self.name == "pg-stop":
            self.extra["postgres_processes_stopped"] = self.run.pg.pause()
            try:
                stop_event.wait(d)
            finally:
                self.run.pg.resume()
        elif self.name.startswith("server-kill"):
            t0 = time.monotonic()
            self.server.kill9()
            try:
                self.server.start()
            finally:
                self.down.append((t0, time.monotonic()))
            self.extra["restart_s"] = round(time.monotonic() - t0, 2)
        elif self.name == "fd-exhaustion":
            self.exhaust_descriptors(d, stop_event)
        else:
            raise ChaosError(f"unknown fault {self.name}")

    def exhaust_descriptors(self, hold, stop_event):
        socks, failed = [], 0
        t0 = time.monotonic()
        offset = self.server.log_size()
        try:
            for _ in range(800):
                try:
                    socks.append(socket.create_connection(("127.0.0.1", self.server.port), timeout=2))
                except OSError:
                    failed += 1
                if time.monotonic() - t0 > 20 or stop_event.is_set():
                    break
            opened = time.monotonic()
            probes = []
            while time.monotonic() - opened < hold and not stop_event.is_set():
                st, el = probe(self.server.port, "/health", FD_HEALTH_MAX_S)
                probes.append((st, el))
                stop_event.wait(max(0.0, 1.0 - el))
        finally:
            for s in socks:
                s.close()
        window = time.monotonic() - t0
        lines = self.server.log_lines_since(offset)
        answered = [el for st, el in probes if st is not None]
        self.extra.update({"idle_connections": len(socks), "idle_connections_failed": failed,
                           "fd_health_answered": f"{len(answered)}/{len(probes)}",
                           "fd_health_max_s": round(max(answered), 3) if answered else None,
                           "fd_health_statuses": sorted({str(st) for st, _ in probes}),
                           "fd_log_lines": lines, "fd_window_s": round(window, 1)})
        if len(answered) < len(probes) or not probes:
            self.violations.append(f"/health from a new connection unanswered within {FD_HEALTH_MAX_S} s "
                                   f"({len(probes) - len(answered)}/{len(probes)})")
        if lines >= FD_LOG_LINES:
            self.violations.append(f"{lines} log lines in {window:.0f} s while descriptors were exhausted")

    # --- measuring -----------------------------------------------------------------------------
    def wait_recovery(self, stop_event):
        """Polls until a fresh join answers 200 and /api/health 200: seconds taken, or None."""
        t0 = time.monotonic()
        n = 0
        while time.monotonic() - t0 < self.t.recover and not stop_event.is_set():
            n += 1
            user = f"{self.prefix}r-{n}"
            st, _ = join_once(self.server.port, user)
            self.recovery_joins.append({"t": time.monotonic(), "ep": "viewer", "st": st, "s": 0.0, "user": user})
            if st == 200 and probe(self.server.port, "/api/health", 5.0)[0] == 200:
                return time.monotonic() - t0
            stop_event.wait(0.2)
        return None

    def rows(self):
        """[(user_id, session_id, closed)] of this fault's users in the history store."""
        if self.mode == "redis+postgres":
            q = (f"select user_id, session_id, (left_at is not null)::int from viewer_sessions "
                 f"where user_id like '{self.prefix}%'")
            return [(u, s, c == "1") for u, s, c in self.run.pg.sql(self.db, q)]
        path = os.path.join(self.server.env["DATA_DIR"], "ivs.db")
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            cur = con.execute("select user_id, session_id, left_at is not null from viewer_sessions "
                              "where user_id like ?", (self.prefix + "%",))
            return [(u, s, bool(c)) for u, s, c in cur.fetchall()]
        finally:
            con.close()

    def count(self, joins):
        confirmed = {r["user"] for r in joins if r["st"] == 200}
        answered = {r["user"] for r in joins if r["st"] is not None}
        refused = answered - confirmed
        try:
            rows = self.rows()
        except (ChaosError, sqlite3.Error) as e:
            return {"error": str(e)}
        per_user = collections.Counter(u for u, _, _ in rows)
        without = [u for u, _, _ in rows if u not in confirmed]
        return {"rows": len(rows),
                "rows_missing": sum(1 for u in confirmed if per_user[u] == 0),
                "rows_duplicated": sum(n - 1 for u, n in per_user.items() if n > 1),
                "rows_open": sum(1 for _, _, closed in rows if not closed),
                "rows_without_confirmed_join": len(without),
                "rows_for_refused_joins": sum(1 for u in without if u in refused),
                "rows_for_unanswered_joins": sum(1 for u in without if u not in answered)}

    def settle(self, joins, load_end, stop_event):
        """Counts rows until every session must have ended and the counts are final."""
        expiry = load_end + HEARTBEAT_TIMEOUT_S + SWEEP_S
        deadline = load_end + self.t.settle
        last, since = None, time.monotonic()
        while True:
            m = self.count(joins)
            now = time.monotonic()
            done = "error" not in m and m["rows_missing"] == 0 and m["rows_open"] == 0
            if done and now > load_end + HEARTBEAT_TIMEOUT_S + 2:
                return m
            if m != last:
                last, since = m, now
            elif now - since > 15 and now > expiry:
                return m
            if now > deadline or stop_event.wait(1.0):
                return m


def overlaps(start, elapsed, windows):
    return any(start <= b and a <= start + elapsed for a, b in windows)


def run_fault(run, name, stop_event):
    f = Fault(run, name)
    t = run.timing
    row = {"fault": name, "mode": f.mode, "ivs": f.ivs}
    load = health = None
    f.recovery_joins = []
    try:
        f.start()
        pid_before = f.server.proc.pid
        load = ViewerLoad(f.server.port, f.prefix, t.rate, t.threads,
                          max_requests=int(t.rate * (t.warmup + t.after + 120) * 1.2), key=API_KEY).start()
        health = Prober(f.server.port, "/api/health", 0.5, 5.0).start()
        stop_event.wait(t.warmup)
        log(f"{name}: injecting after {t.warmup} s of load")
        t_fault = time.monotonic()
        f.inject(stop_event)
        t_end = time.monotonic()
        recovery = f.wait_recovery(stop_event)
        stop_event.wait(max(0.0, t_end + t.after - time.monotonic()))
        load.stop()
        health.stop()
        load_end = time.monotonic()
        recs = load.snapshot()
        joins = [r for r in recs if r["ep"] == "viewer"] + f.recovery_joins
        counts = f.settle(joins, load_end, stop_event)
        restarted_by_fault = name.startswith("server-kill")
        alive = f.server.alive()
        same_process = f.server.proc.pid == pid_before
        hl = [(ts, st, el) for ts, st, el in health.records if not overlaps(ts, el, f.down)]
        statuses = collections.Counter(str(r["st"]) for r in recs)
        during = collections.Counter(str(r["st"]) for r in recs if t_fault <= r["t"] <= t_end + 0.5)
        longest = max((r["s"] for r in recs), default=0.0)
        row.update({
            "requests": len(recs),
            "statuses": dict(sorted(statuses.items())),
            "statuses_during_fault": dict(sorted(during.items())),
            "joins": len(joins),
            "joins_confirmed": len({r["user"] for r in joins if r["st"] == 200}),
            "joins_refused": len({r["user"] for r in joins if r["st"] not in (None, 200)}),
            "joins_unanswered": len({r["user"] for r in joins if r["st"] is None}),
            **counts,
            "longest_request_s": round(longest, 3),
            "requests_over_2_5s": sum(1 for r in recs if r["s"] > MAX_REQUEST_S),
            "health_probes": len(hl),
            "health_max_s": round(max((el for _, _, el in hl), default=0.0), 3),
            "health_over_1_2s": sum(1 for _, st, el in hl if st is not None and el > HEALTH_MAX_S),
            "health_unanswered": sum(1 for _, st, _ in hl if st is None),
            "health_statuses": dict(sorted(collections.Counter(str(st) for _, st, _ in hl).items())),
            "recovered": recovery is not None and alive and (same_process or restarted_by_fault),
            "recovery_s": None if recovery is None else round(recovery, 2),
            "server_alive": alive,
        })
        row.update(f.extra)
        v = f.violations
        if "error" in counts:
            v.append(f"history rows could not be read: {counts['error']}")
        else:
            for key, what in (("rows_missing", "confirmed joins without a row"),
                              ("rows_duplicated", "duplicate rows"),
                              ("rows_open", "rows left open"),
                              ("rows_for_refused_joins", "rows for refused joins")):
                if counts[key]:
                    v.append(f"{counts[key]} {what}")
        if row["joins_confirmed"] == 0:
            v.append("no join was confirmed")
        if row["requests_over_2_5s"]:
            v.append(f"{row['requests_over_2_5s']} requests over {MAX_REQUEST_S} s (longest {longest:.2f} s)")
        if row["health_over_1_2s"] or row["health_unanswered"]:
            v.append(f"/api/health over {HEALTH_MAX_S} s or unanswered in "
                     f"{row['health_over_1_2s'] + row['health_unanswered']}/{len(hl)} probes "
                     f"(max {row['health_max_s']} s)")
        if not alive:
            v.append(f"the server exited ({f.server.proc.returncode}): {tail(f.server.log_path, 200)}")
        elif not same_process and not restarted_by_fault:
            v.append("the server was restarted")
        if recovery is None:
            v.append(f"not recovered within {t.recover} s after the fault")
    except ChaosError as e:
        row["error"] = str(e)
        f.violations.append(f"the fault could not be run: {e}")
    finally:
        for x in (load, health):
            if x is not None:
                x.stop()
        f.stop()
    row["violations"] = f.violations
    row["ok"] = not f.violations
    return row


FAULTS = ["redis-kill", "redis-stop", "pg-down", "pg-stop", "server-kill", "server-kill-ivs",
          "server-kill-embedded", "fd-exhaustion"]


def summary(rows):
    cols = [("fault", 21), ("confirmed", 9), ("rows", 6), ("missing", 7), ("dup", 4), ("open", 5),
            ("refused+row", 11), ("max req s", 9), ("health max", 10), ("recovered", 9), ("", 4)]
    lines = ["  ".join(n.ljust(w) for n, w in cols)]
    for r in rows:
        vals = [r["fault"], r.get("joins_confirmed", "-"), r.get("rows", "-"), r.get("rows_missing", "-"),
                r.get("rows_duplicated", "-"), r.get("rows_open", "-"), r.get("rows_for_refused_joins", "-"),
                r.get("longest_request_s", "-"), r.get("health_max_s", "-"), r.get("recovered", "-"),
                "ok" if r["ok"] else "FAIL"]
        lines.append("  ".join(str(v).ljust(w) for v, (_, w) in zip(vals, cols)))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="build directory holding ivs-server (default build)")
    ap.add_argument("--short", action="store_true", help="every fault briefly")
    ap.add_argument("--only", default="", help="comma-separated fault names: " + ", ".join(FAULTS))
    ap.add_argument("--redis-fsync", default="always", choices=["always", "everysec", "none"],
                    help="Redis persistence across kill -9 (default: append-only file, fsync always)")
    ap.add_argument("--json", help="also write the table to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, data)")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or FAULTS
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        ap.error(f"unknown fault {', '.join(unknown)} (known: {', '.join(FAULTS)})")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    run = Run(args)
    stop_event = threading.Event()
    rows, interrupted = [], False
    started = time.monotonic()
    log(f"work directory {run.workdir}; faults: {', '.join(names)}{' (short)' if args.short else ''}")
    try:
        for name in names:
            log(f"{name}: starting")
            row = run_fault(run, name, stop_event)
            rows.append(row)
            log(f"{name}: {'ok' if row['ok'] else 'FAIL: ' + '; '.join(row['violations'])}")
    except KeyboardInterrupt:
        interrupted = True
        stop_event.set()
        log("interrupted: stopping everything")
    finally:
        stop_event.set()
        run.registry.stop_all()
        if args.keep:
            log(f"kept {run.workdir}")
        else:
            shutil.rmtree(run.workdir, ignore_errors=True)
    doc = {"short": args.short, "redis_fsync": args.redis_fsync, "seconds": round(time.monotonic() - started),
           "rules": {"max_request_s": MAX_REQUEST_S, "health_max_s": HEALTH_MAX_S,
                     "fd_health_within_s": FD_HEALTH_MAX_S, "fd_log_lines_below": FD_LOG_LINES},
           "faults": rows, "failed": [r["fault"] for r in rows if not r["ok"]], "interrupted": interrupted}
    doc["ok"] = not doc["failed"] and not interrupted and len(rows) == len(names)
    text = json.dumps(doc, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    print(summary(rows), file=sys.stderr)
    return 130 if interrupted else (0 if doc["ok"] else 1)


if __name__ == "__main__":
    sys.exit(main())

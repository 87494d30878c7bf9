"""The traffic of a chaos run: a bounded viewer load (join -> heartbeats -> leave or abandon, each
viewer a fresh user, every request timed and recorded) and health probes on fresh connections."""

import http.client
import json
import random
import socket
import threading
import time

HOST = "127.0.0.1"


class Conn:
    """One keep-alive connection. A request is sent once: when the connection fails the request
    is recorded as unanswered and the next one opens a new connection."""

    def __init__(self, port, key, timeout):
        self.port, self.key, self.timeout, self.c = port, key, timeout, None

    def close(self):
        if self.c is not None:
            self.c.close()
        self.c = None

    def post(self, path, body):
        """(status or None, decoded JSON or None, elapsed seconds, error text or None)."""
        t0 = time.monotonic()
        try:
            if self.c is None:
                self.c = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.c.request("POST", path, body=json.dumps(body).encode(),
                           headers={"x-api-key": self.key, "Content-Type": "application/json"})
            r = self.c.getresponse()
            raw = r.read()
            if (r.getheader("connection") or "").lower() == "close":
                self.close()
            try:
                data = json.loads(raw) if raw else None
            except ValueError:
                data = None
            return r.status, data, time.monotonic() - t0, None
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return None, None, time.monotonic() - t0, type(e).__name__


class ViewerLoad:
    """About `rate` requests/s from `threads` workers (token bucket) until stop() or `max_requests`.
    Each worker loops: join user `<prefix><worker>-<n>`, `heartbeats` heartbeats `gap` s apart, then
    leave (share `leave_share`) or go silent. records: dicts t (monotonic), ep, st, s, user, err."""

    def __init__(self, port, prefix, rate, threads, max_requests, key="k", timeout=10.0, heartbeats=2, gap=0.3,
                 leave_share=0.7):
        self.port, self.prefix, self.rate, self.key, self.timeout = port, prefix, rate, key, timeout
        self.heartbeats, self.gap, self.leave_share = heartbeats, gap, leave_share
        self.max_requests = max_requests
        self.lock = threading.Lock()
        self.records = []
        self.done = threading.Event()
        self.tokens, self.last, self.sent = 0.0, time.monotonic(), 0
        self.rnd = random.Random(7)
        self.threads = [threading.Thread(target=self._worker, args=(w,), daemon=True) for w in range(threads)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(self.timeout + 5)

    def _take(self):
        while not self.done.is_set():
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.rate * 0.2, self.tokens + (now - self.last) * self.rate)
                self.last = now
                if self.sent >= self.max_requests:
                    return False
                if self.tokens >= 1:
                    self.tokens -= 1
                    self.sent += 1
                    return True
            self.done.wait(0.002)
        return False

    def _call(self, conn, ep, body, user):
        t0 = time.monotonic()
        st, data, elapsed, err = conn.post("/api/" + ep, body)
        with self.lock:
            self.records.append({"t": t0, "ep": ep.rsplit("/", 1)[-1], "st": st, "s": elapsed, "user": user, "err": err})
        return st, data

    def _worker(self, w):
        conn = Conn(self.port, self.key, self.timeout)
        i = 0
        while self._take():
            i += 1
            user = f"{self.prefix}{w}-{i}"
            st, data = self._call(conn, "token/viewer", {"userId": user}, user)
            if st != 200 or not isinstance(data, dict):
                self.done.wait(0.2)
                continue
            d = data.get("data") or {}
            body = {"userId": user, "stageArn": d.get("stageArn"), "sessionId": d.get("sessionId")}
            for _ in range(self.heartbeats):
                if self.done.wait(self.gap) or not self._take():
                    break
                self._call(conn, "viewer/heartbeat", body, user)
            with self.lock:
                leave = self.rnd.random() < self.leave_share
            if leave and self._take():
                self._call(conn, "viewer/leave", body, user)
        conn.close()

    def snapshot(self):
        with self.lock:
            return list(self.records)


def probe(port, path, timeout):
    """GET on a fresh connection; the clock runs from connect to the status line.
    (status or None, elapsed seconds)."""
    t0 = time.monotonic()
    try:
        s = socket.create_connection((HOST, port), timeout=timeout)
    except OSError:
        return None, time.monotonic() - t0
    buf = b""
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode())
        while b"\r\n" not in buf:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                break
            s.settimeout(left)
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except OSError:
        pass
    finally:
        s.close()
    parts = buf.split(b"\r\n", 1)[0].split()
    ok = len(parts) >= 2 and parts[0].startswith(b"HTTP/1.") and parts[1].isdigit()
    return (int(parts[1]) if ok else None), time.monotonic() - t0


class Prober:
    """Probes `path` every `period` s on fresh connections (one at a time) until stop().
    records: (t monotonic at start, status or None, elapsed seconds)."""

    def __init__(self, port, path, period, timeout):
        self.port, self.path, self.period, self.timeout = port, path, period, timeout
        self.records = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.done.set()
        self.thread.join(self.timeout + 2)

    def _run(self):
        while not self.done.is_set():
            t0 = time.monotonic()
            st, elapsed = probe(self.port, self.path, self.timeout)
            self.records.append((t0, st, elapsed))
            self.done.wait(max(0.0, self.period - elapsed))


def join_once(port, user, key="k", timeout=5.0):
    """One viewer join on a fresh connection: (status or None, session body for leave or None)."""
    c = Conn(port, key, timeout)
    try:
        st, data, _, _ = c.post("/api/token/viewer", {"userId": user})
        if st == 200 and isinstance(data, dict):
            d = data.get("data") or {}
            body = {"userId": user, "stageArn": d.get("stageArn"), "sessionId": d.get("sessionId")}
            c.post("/api/viewer/leave", body)
            return st, body
        return st, None
    finally:
        c.close()

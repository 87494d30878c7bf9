"""A simulated broadcaster on the product's default path (REQUIRE_LIVE_PUBLISHER=true), for the
Python suites; the C++ suites have the same in live_publisher.hpp.

It asks the server for a publisher token, publishes to the token's WHIP endpoint (the IVS
emulator's, embedded or standalone) with an SDP offer and keeps the WHIP session alive, as an
encoder's ICE consent checks do, until stop(), when it unpublishes. Like an encoder it publishes
again when its session is gone (the server and its embedded emulator were restarted). IVS then
lists it as published in the master stage and reports "Participant Published", so the server's
events and its publisher poll both say the broadcast is live.

    publisher = LivePublisher(port, api_key).start()   # raises PublisherError if not live
    ...
    publisher.stop()
"""

import http.client
import json
import threading
import time
import urllib.parse

HOST = "127.0.0.1"
DEADLINE_S = 30  # a server still creating its master stage; a healthy path takes milliseconds
REFRESH_S = 5  # well inside the emulator's media timeout
TIMEOUT_S = 10  # every request

OFFER = ("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
         "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
         "a=rtpmap:111 opus/48000/2\r\n"
         "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\n"
         "a=rtpmap:96 H264/90000\r\n")


class PublisherError(Exception):
    """The broadcaster could not publish, or the server never said the broadcast is live."""


def _call(port, method, path, body=None, headers=None):
    """(status, headers, body text); status None when nothing answered."""
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode(errors="replace")
    except OSError:
        return None, {}, ""
    finally:
        conn.close()


def _field(text, *keys):
    try:
        v = json.loads(text)
        for k in keys:
            v = v[k]
        return v
    except (ValueError, KeyError, TypeError):
        return None


class LivePublisher:
    def __init__(self, port, api_key, user_id="caster"):
        self.port, self.api_key, self.user_id = port, api_key, user_id
        self.participant_id = None
        self.whip_port = self.session = None
        self.publishes = 0  # how many times it (re)published
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = None

    def start(self):
        """Publishes and waits until the server says the broadcast is live."""
        self._publish(DEADLINE_S)
        self.wait_live(DEADLINE_S)
        self._thread = threading.Thread(target=self._keep_alive, name="live-publisher", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Unpublishes (DELETE on the WHIP Location). Idempotent."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(TIMEOUT_S * 2)
        with self._lock:
            if self.session:
                _call(self.whip_port, "DELETE", self.session)
            self.session = None

    def is_live(self):
        """The server follows this participant and says the broadcast is live."""
        key = {"x-api-key": self.api_key}
        _, _, info = _call(self.port, "GET", "/api/stage/replication/publisher-info", headers=key)
        _, _, stats = _call(self.port, "GET", "/api/stats/publisher", headers=key)
        return (self.participant_id is not None and
                _field(info, "data", "publisherInfo", "participantId") == self.participant_id and
                _field(stats, "data", "isPublisherLive") is True)

    def wait_live(self, seconds):
        deadline = time.monotonic() + seconds
        while not self.is_live():
            if time.monotonic() > deadline:
                raise PublisherError(f"participant {self.participant_id} publishes, but the server "
                                     f"on {self.port} does not say the broadcast is live")
            time.sleep(0.05)

    def _publish(self, seconds):
        deadline = time.monotonic() + seconds
        body = json.dumps({"userId": self.user_id})
        headers = {"x-api-key": self.api_key, "content-type": "application/json"}
        while True:  # 503 (or no answer) until the server has its master stage
            status, _, text = _call(self.port, "POST", "/api/token/publisher", body, headers)
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise PublisherError(f"POST /api/token/publisher answered {status}: {text[:300]}")
            if self._stop.wait(0.1):
                return
        token, whip = _field(text, "data", "token"), _field(text, "data", "whipEndpoint")
        url = urllib.parse.urlsplit(whip or "")
        if not token or url.scheme != "http" or url.hostname not in (HOST, "localhost") or not url.port:
            raise PublisherError(f"the publisher token has no token or no loopback whipEndpoint: {text[:300]}")
        status, h, answer = _call(url.port, "POST", url.path or "/", OFFER,
                                  {"authorization": f"Bearer {token}", "content-type": "application/sdp"})
        if status != 201 or not h.get("location") or not h.get("x-ivs-participant-id"):
            raise PublisherError(f"WHIP POST {whip} answered {status}: {answer[:300]}")
        with self._lock:
            self.whip_port = url.port
            self.session = urllib.parse.urlsplit(h["location"]).path
            self.participant_id = h["x-ivs-participant-id"]
            self.publishes += 1

    def _keep_alive(self):
        while not self._stop.wait(REFRESH_S):
            with self._lock:
                port, session = self.whip_port, self.session
            status, _, _ = _call(port, "PATCH", session)
            if status == 204 or self._stop.is_set():
                continue
            # The session is gone (a restarted server brought a fresh embedded emulator):
            # publish again, as an encoder reconnects.
            try:
                self._publish(DEADLINE_S)
            except PublisherError:
                pass  # the server is still away: the next round tries again

// Live dashboard: connects to /ws, subscribes to "stats" and renders what the server pushes.
(function () {
  'use strict';

  const KEY_STORAGE = 'ivs-dashboard-api-key';
  const MAX_EVENTS = 50;
  const DETAILS_EVERY_MS = 10000;
  // Chart ranges: span and the time-series step asked for (at most 1440 buckets).
  const RANGES = { '1h': [3600e3, 60], '24h': [86400e3, 900], '7d': [7 * 86400e3, 3600] };
  const el = (id) => document.getElementById(id);
  let history = [];  // {t: ms, v: viewers}, oldest first: loaded history, then live points
  let range = '1h';
  let settings = { stageCapacity: 50, drainTimeoutSeconds: 300 };
  const details = new Map();  // stageArn -> {createdAt, drainingSince, name, isMasterStage, replicating}
  let lastStages = [];
  let detailsTimer = null;
  let requireKey = true;
  let socket = null;
  let retryMs = 1000;
  let everOpened = false;

  function setStatus(text, ok) {
    const s = el('status');
    s.textContent = text;
    s.className = 'status ' + (ok ? 'status-on' : 'status-off');
  }

  // The key goes in headers only (x-api-key, or the WebSocket subprotocol), never in a URL.
  function keyHeaders() {
    const key = sessionStorage.getItem(KEY_STORAGE);
    return key ? { 'x-api-key': key } : {};
  }

  function base64Url(text) {
    const bytes = new TextEncoder().encode(text);
    let bin = '';
    bytes.forEach((b) => { bin += String.fromCharCode(b); });
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  async function getData(path) {
    const res = await fetch(path, { headers: keyHeaders() });
    const body = await res.json();
    if (!res.ok && !(body && body.data)) throw new Error(path + ' ' + res.status);
    return body.data;
  }

  function showKeyForm(message) {
    el('key-form').hidden = false;
    el('panels').hidden = true;
    const err = el('key-error');
    err.hidden = !message;
    err.textContent = message || '';
  }

  function showPanels() {
    el('key-form').hidden = true;
    el('panels').hidden = false;
    el('change-key').hidden = !requireKey;
  }

  function connect() {
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (requireKey && !key) {
      showKeyForm('');
      return;
    }
    showPanels();
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = proto + '//' + location.host + '/ws';
    everOpened = false;
    setStatus('connecting', false);
    socket = key ? new WebSocket(url, ['ivs-key.' + base64Url(key)]) : new WebSocket(url);
    socket.onopen = () => {
      everOpened = true;
      retryMs = 1000;
      setStatus('live', true);
      socket.send(JSON.stringify({ type: 'subscribe', channel: 'stats' }));
      loadHistory();
      refreshDetails();
    };
    socket.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      handle(msg);
    };
    socket.onclose = () => {
      setStatus('disconnected', false);
      socket = null;
      if (!everOpened && requireKey) {
        // Refused before the upgrade: most likely a wrong key.
        sessionStorage.removeItem(KEY_STORAGE);
        showKeyForm('Could not connect: check the API key.');
        return;
      }
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    };
  }

  function handle(msg) {
    switch (msg.type) {
      case 'stats_update':
        renderStats(msg.data || {});
        break;
      case 'stage_created':
      case 'stage_draining':
      case 'stage_deleted':
      case 'publisher_live':
      case 'publisher_offline':
        addEvent(msg);
        if (msg.type === 'publisher_live') renderPublisher(true);
        if (msg.type === 'publisher_offline') renderPublisher(false);
        break;
      default:
        break;
    }
  }

  function renderPublisher(live) {
    const p = el('publisher-state');
    p.textContent = live ? 'LIVE' : 'offline';
    p.className = 'big ' + (live ? 'live' : 'offline');
  }

  function renderStats(d) {
    const total = Number(d.totalViewers || 0);
    el('total-viewers').textContent = String(total);
    el('active-stages').textContent = String(d.activeStages || 0);
    renderPublisher(!!d.isPublisherLive);
    el('updated-at').textContent = new Date(d.timestamp || Date.now()).toLocaleTimeString();
    const now = Date.now();
    history.push({ t: now, v: total });
    const oldest = now - RANGES[range][0];
    while (history.length && history[0].t < oldest) history.shift();
    drawChart();
    lastStages = d.stages || [];
    renderStages(lastStages);
  }

  // The chart's history from the stored snapshots; live points are appended as they come.
  async function loadHistory() {
    const [span, step] = RANGES[range];
    const from = new Date(Date.now() - span).toISOString();
    try {
      const data = await getData('/api/stats/timeseries?from=' + encodeURIComponent(from) +
                                 '&step=' + step);
      const loaded = (data.points || []).map((p) => ({ t: Date.parse(p.timestamp), v: Number(p.avgViewers) }));
      const live = history.filter((p) => loaded.length === 0 || p.t > loaded[loaded.length - 1].t);
      history = loaded.concat(live);
      el('chart').dataset.historyPoints = String(loaded.length);
      drawChart();
    } catch (e) {
      el('chart').dataset.historyPoints = '0';
    }
  }

  // Stage details the stats push does not carry (age, draining start, replication), and the
  // instance answering.
  async function refreshDetails() {
    clearTimeout(detailsTimer);
    detailsTimer = setTimeout(refreshDetails, DETAILS_EVERY_MS);
    try {
      const stats = await getData('/api/stats/stages');
      await Promise.all((stats.stages || []).map(async (s) => {
        let replicating = null;
        try {
          const r = await getData('/api/stage/replication/status/' + encodeURIComponent(s.stageArn));
          replicating = !!r.hasReplication;
        } catch (e) { /* unknown */ }
        details.set(s.stageArn, { name: s.stageName, createdAt: s.createdAt, isMasterStage: s.isMasterStage,
                                  drainingSince: s.drainingSince, replicating });
      }));
      renderStages(lastStages.length ? lastStages : stats.stages || []);
    } catch (e) { /* shown again at the next refresh */ }
    try {
      const health = await getData('/api/health');
      if (health && health.instance) {
        el('instance').textContent = 'instance ' + health.instance.id +
          (health.instance.leader ? ' (leader)' : '');
      }
    } catch (e) { /* keep the last one */ }
  }

  function age(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 90) return s + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    if (s < 172800) return Math.round(s / 3600) + ' h';
    return Math.round(s / 86400) + ' d';
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function renderStages(stages) {
    const body = el('stages').querySelector('tbody');
    body.replaceChildren();
    const cap = Math.max(1, Number(settings.stageCapacity) || 50);
    const now = Date.now();
    for (const s of stages) {
      const d = details.get(s.stageArn) || {};
      const tr = document.createElement('tr');
      tr.dataset.stageArn = s.stageArn;
      const name = cell(((s.isMasterStage || d.isMasterStage) ? '★ ' : '') +
                        (s.stageName || d.name || s.stageArn), 'arn');
      name.title = s.stageArn;
      const viewers = Number(s.viewerCount || 0);
      const count = cell(viewers + ' / ' + cap, 'viewer-count');
      count.dataset.viewers = String(viewers);
      const fill = Math.round(100 * viewers / cap);
      const barCell = cell('', 'fill');
      const track = document.createElement('div');
      track.className = 'track';
      const bar = document.createElement('div');
      bar.className = 'bar' + (fill >= 90 ? ' bar-full' : '');
      bar.style.width = Math.min(100, fill) + '%';
      track.appendChild(bar);
      barCell.append(track, document.createTextNode(fill + '%'));
      const created = Date.parse(s.createdAt || d.createdAt || '');
      let drain = '';
      const since = Date.parse(s.drainingSince || d.drainingSince || '');
      if ((s.state || '') === 'draining' && !Number.isNaN(since)) {
        const left = since + settings.drainTimeoutSeconds * 1000 - now;
        drain = left > 0 ? 'deleted in ' + age(left) : 'deleting';
      }
      const repl = d.replicating === true ? 'replicating' : d.replicating === false ? 'no' : '?';
      tr.append(name, cell(s.state || '', 'state-' + (s.state || '')), count, barCell,
                cell(Number.isNaN(created) ? '' : age(now - created), 'age'),
                cell(drain, 'drain'), cell(repl, 'replication'));
      body.appendChild(tr);
    }
  }

  function addEvent(msg) {
    const li = document.createElement('li');
    const arn = msg.data && msg.data.stageArn ? ' ' + msg.data.stageArn : '';
    li.textContent = new Date(msg.timestamp || Date.now()).toLocaleTimeString() + ' ' + msg.type + arn;
    const list = el('events');
    list.prepend(li);
    while (list.children.length > MAX_EVENTS) list.lastChild.remove();
  }

  function drawChart() {
    const canvas = el('chart');
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || canvas.width;
    let h = canvas.clientHeight || canvas.height;
    canvas.width = w * ratio;
    canvas.height = h * ratio;
    const fullH = h;
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, w, fullH);
    const pad = 30;
    h -= 14;  // room for the time axis
    const maxV = Math.max(1, ...history.map((p) => p.v));
    g.strokeStyle = '#2d3640';
    g.fillStyle = '#8b98a5';
    g.font = '11px system-ui';
    for (let i = 0; i <= 4; i++) {
      const y = pad / 2 + (h - pad) * i / 4;
      g.beginPath(); g.moveTo(pad, y); g.lineTo(w, y); g.stroke();
      g.fillText(String(Math.round(maxV * (4 - i) / 4)), 2, y + 4);
    }
    // Time axis over the whole range, labels at five ticks.
    const tEnd = Date.now();
    const t0 = tEnd - RANGES[range][0];
    const span = tEnd - t0;
    const longRange = range !== '1h' && range !== '24h';
    for (let i = 0; i <= 4; i++) {
      const t = new Date(t0 + span * i / 4);
      const label = longRange ? (t.getMonth() + 1) + '/' + t.getDate() + ' ' + t.toTimeString().slice(0, 5)
                              : t.toTimeString().slice(0, 5);
      const x = pad + (w - pad) * i / 4;
      g.fillText(label, Math.min(x, w - 60), fullH - 2);
    }
    if (history.length < 2) return;
    g.strokeStyle = '#3fb950';
    g.lineWidth = 2;
    g.beginPath();
    history.forEach((p, i) => {
      const x = pad + (w - pad) * (p.t - t0) / span;
      const y = pad / 2 + (h - pad) * (1 - p.v / maxV);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  }

  function init() {
    el('key-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const key = el('api-key').value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_STORAGE, key);
      el('api-key').value = '';
      connect();
    });
    el('change-key').addEventListener('click', () => {
      sessionStorage.removeItem(KEY_STORAGE);
      if (socket) { everOpened = true; socket.onclose = null; socket.close(); socket = null; }
      setStatus('disconnected', false);
      showKeyForm('');
    });
    document.querySelectorAll('#ranges button').forEach((b) => {
      b.addEventListener('click', () => {
        range = b.dataset.range;
        document.querySelectorAll('#ranges button').forEach((o) => o.classList.toggle('on', o === b));
        history = [];
        drawChart();
        loadHistory();
      });
    });
    fetch('/dashboard/config.json')
      .then((r) => r.json())
      .then((cfg) => { requireKey = !!cfg.requireApiKey; settings = Object.assign(settings, cfg); })
      .catch(() => { requireKey = true; })
      .then(connect);
  }

  document.addEventListener('DOMContentLoaded', init);
})();

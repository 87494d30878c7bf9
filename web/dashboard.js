// Live dashboard: connects to /ws, subscribes to "stats" and renders what the server pushes.
(function () {
  'use strict';

  const KEY_STORAGE = 'ivs-dashboard-api-key';
  const MAX_POINTS = 300;
  const MAX_EVENTS = 50;
  const el = (id) => document.getElementById(id);
  const history = [];  // {t: ms, v: totalViewers}
  let requireKey = true;
  let socket = null;
  let retryMs = 1000;
  let everOpened = false;

  function setStatus(text, ok) {
    const s = el('status');
    s.textContent = text;
    s.className = 'status ' + (ok ? 'status-on' : 'status-off');
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
    let url = proto + '//' + location.host + '/ws';
    if (key) url += '?token=' + encodeURIComponent(key);
    everOpened = false;
    setStatus('connecting', false);
    socket = new WebSocket(url);
    socket.onopen = () => {
      everOpened = true;
      retryMs = 1000;
      setStatus('live', true);
      socket.send(JSON.stringify({ type: 'subscribe', channel: 'stats' }));
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
    while (history.length > MAX_POINTS) history.shift();
    drawChart();
    renderStages(d.stages || []);
  }

  function renderStages(stages) {
    const body = el('stages').querySelector('tbody');
    body.replaceChildren();
    const max = Math.max(1, ...stages.map((s) => s.viewerCount || 0));
    for (const s of stages) {
      const tr = document.createElement('tr');
      tr.dataset.stageArn = s.stageArn;
      const name = document.createElement('td');
      name.className = 'arn';
      name.textContent = (s.isMaster ? '★ ' : '') + (s.name || s.stageArn);
      name.title = s.stageArn;
      const state = document.createElement('td');
      state.textContent = s.state || '';
      state.className = 'state-' + (s.state || '');
      const count = document.createElement('td');
      count.className = 'viewer-count';
      count.textContent = String(s.viewerCount || 0);
      const barCell = document.createElement('td');
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = Math.round(100 * (s.viewerCount || 0) / max) + '%';
      barCell.appendChild(bar);
      tr.append(name, state, count, barCell);
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
    const h = canvas.clientHeight || canvas.height;
    canvas.width = w * ratio;
    canvas.height = h * ratio;
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, w, h);
    const pad = 30;
    const maxV = Math.max(1, ...history.map((p) => p.v));
    g.strokeStyle = '#2d3640';
    g.fillStyle = '#8b98a5';
    g.font = '11px system-ui';
    for (let i = 0; i <= 4; i++) {
      const y = pad / 2 + (h - pad) * i / 4;
      g.beginPath(); g.moveTo(pad, y); g.lineTo(w, y); g.stroke();
      g.fillText(String(Math.round(maxV * (4 - i) / 4)), 2, y + 4);
    }
    if (history.length < 2) return;
    const t0 = history[0].t;
    const span = Math.max(1, history[history.length - 1].t - t0);
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
    fetch('/dashboard/config.json')
      .then((r) => r.json())
      .then((cfg) => { requireKey = !!cfg.requireApiKey; })
      .catch(() => { requireKey = true; })
      .then(connect);
  }

  document.addEventListener('DOMContentLoaded', init);
})();

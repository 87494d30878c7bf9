'use strict';
// The original server's viewer heartbeat on Express + ioredis, with its middleware chain
// (helmet, cors, JSON body, express-rate-limit on /api/, x-api-key check), for side-by-side
// benchmarks against ivs-server on the same Redis.
//
// Env: PORT, REDIS_HOST, REDIS_PORT, REDIS_DB, REDIS_KEY_PREFIX, API_SECRET_KEY,
// RATE_LIMIT_WINDOW_MS, RATE_LIMIT_MAX_REQUESTS, LOG_REQUESTS=true for the per-request log line.
const express = require('express');
const helmet = require('helmet');
const cors = require('cors');
const { rateLimit } = require('express-rate-limit');
const Redis = require('ioredis');

const env = process.env;
const redis = new Redis({
  host: env.REDIS_HOST || '127.0.0.1',
  port: Number(env.REDIS_PORT || 6379),
  db: Number(env.REDIS_DB || 0),
  keyPrefix: env.REDIS_KEY_PREFIX || 'ivs:prod:',
  retryStrategy: (times) => Math.min(times * 50, 2000),
  maxRetriesPerRequest: 3,
});
const SESSION_TTL_SECONDS = 120;

const app = express();
app.use(helmet());
app.use(cors({
  origin: (env.CORS_ORIGINS || 'http://localhost:3000').split(','),
  credentials: true,
  methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  allowedHeaders: ['Content-Type', 'Authorization', 'X-API-Key'],
}));
app.use(express.json({ limit: '10mb' }));
app.use(express.urlencoded({ extended: true, limit: '10mb' }));
if (env.LOG_REQUESTS === 'true') {
  app.use((req, res, next) => {
    const start = Date.now();
    res.on('finish', () => console.log(JSON.stringify({
      method: req.method, path: req.path, status: res.statusCode, ms: Date.now() - start,
      ip: req.ip, ua: req.get('user-agent'),
    })));
    next();
  });
}
app.use('/api/', rateLimit({
  windowMs: Number(env.RATE_LIMIT_WINDOW_MS || 900000),
  max: Number(env.RATE_LIMIT_MAX_REQUESTS || 100),
  standardHeaders: true,
  legacyHeaders: false,
}));

const envelope = (data, message) => ({ success: true, data, message, timestamp: new Date().toISOString() });
const failure = (code, message) => ({ success: false, error: { code, message }, timestamp: new Date().toISOString() });

function apiKeyAuth(req, res, next) {
  const key = req.headers['x-api-key'];
  if (!key) return res.status(401).json({ error: 'UNAUTHORIZED', message: 'missing API key' });
  if (key !== env.API_SECRET_KEY) return res.status(401).json({ error: 'UNAUTHORIZED', message: 'invalid API key' });
  next();
}

app.get('/health', (req, res) => res.json(envelope({ status: 'healthy' })));

const viewer = express.Router();
viewer.use(apiKeyAuth);
// Join as the original server records it: session JSON with a TTL, and the stage's viewer set.
viewer.post('/join', async (req, res) => {
  const { userId, stageArn } = req.body || {};
  if (!userId || !stageArn) return res.status(400).json(failure('VALIDATION_ERROR', 'userId and stageArn are required'));
  const now = Date.now();
  const session = { userId, stageArn, participantId: `p-${userId}`, joinedAt: now, lastHeartbeat: now };
  await redis.setex(`viewer:${userId}:${stageArn}`, SESSION_TTL_SECONDS, JSON.stringify(session));
  await redis.sadd(`stage:${stageArn}:viewers`, userId);
  res.json(envelope({ userId, stageArn }, 'joined'));
});
viewer.post('/heartbeat', async (req, res) => {
  try {
    const { userId, stageArn } = req.body || {};
    if (!userId || !stageArn) return res.status(400).json(failure('VALIDATION_ERROR', 'userId and stageArn are required'));
    const key = `viewer:${userId}:${stageArn}`;
    const raw = await redis.get(key);
    if (!raw) return res.status(404).json(failure('NOT_FOUND', 'session not found'));
    const session = JSON.parse(raw);
    session.lastHeartbeat = Date.now();
    await redis.setex(key, SESSION_TTL_SECONDS, JSON.stringify(session));
    res.json(envelope({ userId, stageArn, heartbeatUpdated: true }, 'Heartbeat updated'));
  } catch (e) {
    res.status(500).json(failure('INTERNAL_ERROR', 'internal error'));
  }
});
app.use('/api/viewer', viewer);

const server = app.listen(Number(env.PORT || 3000), '127.0.0.1');
const stop = () => { server.close(); redis.disconnect(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// Participant tokens with `jose`: the server's self-signed tokens verify against its public key
// and carry exactly the documented claims; the emulator refuses bad signatures, expired tokens
// and tokens for another stage, like IVS does at join.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, decodeProtectedHeader, exportSPKI, generateKeyPair, jwtVerify } from 'jose';
import {
  CreateStageCommand, ImportPublicKeyCommand,
} from '@aws-sdk/client-ivs-realtime';
import { startEmulator, startServer, ivsClient, control } from './lib.mjs';

const documentedClaims = ['attributes', 'capabilities', 'events_url', 'exp', 'iat', 'jti', 'resource',
  'topic', 'user_id', 'version', 'whip_url'];

// The default signer (Nettle) and TOKEN_SIGNING_LIBRARY=openssl make the same tokens.
for (const [library, env] of [['default', {}], ['openssl', { TOKEN_SIGNING_LIBRARY: 'openssl' }]]) {
  test(`a self-signed token from the server (${library} signer) verifies and carries exactly the documented claims`, async () => {
    const apiKey = 'sdk-test-admin-key-0123456789';
    const server = await startServer(apiKey, env);
    try {
      const r = await fetch(`${server.base}/api/token/publisher`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({ userId: 'host-1' }),
      });
      const body = await r.json();
      assert.equal(r.status, 200, JSON.stringify(body));
      const { token, participantId, stageArn } = body.data;
      const privatePem = readFileSync(join(server.dataDir, 'ivs-token-key.pem'), 'utf8');
      const publicKey = createPublicKey(privatePem);
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: ['ES384'] });
      assert.equal(protectedHeader.alg, 'ES384');
      assert.equal(protectedHeader.typ, 'JWT');
      assert.match(protectedHeader.kid, /^arn:aws:ivs:[a-z0-9-]+:\d+:public-key\/[A-Za-z0-9]+$/);
      assert.deepEqual(Object.keys(protectedHeader).sort(), ['alg', 'kid', 'typ']);
      const keys = Object.keys(payload).sort();
      assert.ok(keys.every((k) => documentedClaims.includes(k)), `unexpected claims: ${keys}`);
      for (const k of ['exp', 'iat', 'jti', 'resource', 'topic', 'events_url', 'whip_url', 'capabilities', 'version']) {
        assert.ok(keys.includes(k), `missing claim ${k}`);
      }
      assert.equal(payload.jti, participantId);
      assert.match(payload.jti, /^[A-Za-z0-9-]{12,64}$/);
      assert.equal(payload.resource, stageArn);
      assert.equal(payload.topic, stageArn.split('/').pop());
      assert.equal(payload.version, '1.0');
      assert.equal(payload.user_id, body.data.userId);
      assert.equal(payload.events_url, 'wss://global.events.live-video.net');
      // Embedded mode: the built-in emulator's WHIP endpoint, where the token really joins.
      assert.match(payload.whip_url, /^http:\/\/127\.0\.0\.1:\d+\/whip$/);
      assert.deepEqual(Object.keys(payload.capabilities).sort(), ['allow_publish', 'allow_subscribe']);
      assert.equal(payload.capabilities.allow_publish, true);
      assert.equal(payload.exp - payload.iat, 240 * 60);
      // The raw signature is JWS r||s (96 bytes), not DER.
      assert.equal(Buffer.from(token.split('.')[2], 'base64url').length, 96);
    } finally {
      await server.stop();
    }
  });
}

test('the emulator verifies self-signed tokens like IVS at join', async (t) => {
  const emu = await startEmulator();
  const ivs = ivsClient(emu.endpoint);
  try {
    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const imported = await ivs.send(new ImportPublicKeyCommand({ publicKeyMaterial: await exportSPKI(publicKey), name: 'jose' }));
    const kid = imported.publicKey.arn;
    const one = (await ivs.send(new CreateStageCommand({ name: 'one' }))).stage;
    const two = (await ivs.send(new CreateStageCommand({ name: 'two' }))).stage;
    const now = Math.floor(Date.now() / 1000);
    const sign = (stage, jti, { iat = now, exp = now + 3600, key = privateKey } = {}) => new SignJWT({
      resource: stage.arn, topic: stage.arn.split('/').pop(), events_url: stage.endpoints.events,
      whip_url: stage.endpoints.whip, capabilities: { allow_publish: true, allow_subscribe: true },
      version: '1.0', user_id: 'jose-user', attributes: { via: 'jose' },
    }).setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid }).setJti(jti).setIssuedAt(iat).setExpirationTime(exp).sign(key);

    const good = await sign(one, 'joseParticipant1');
    assert.equal(decodeProtectedHeader(good).kid, kid);
    const joined = await control(emu.endpoint, 'join', { stageArn: one.arn, token: good });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.equal(joined.body.participantId, 'joseParticipant1');
    assert.match(joined.body.sessionId, /^st-[A-Za-z0-9]{13}$/);

    await t.test('bad signature is refused', async () => {
      const other = (await generateKeyPair('ES384')).privateKey;
      const forged = await sign(one, 'joseParticipant2', { key: other });
      const r = await control(emu.endpoint, 'join', { stageArn: one.arn, token: forged });
      assert.equal(r.status, 403);
      assert.equal(r.body.reason, 'bad_signature');
      const parts = good.split('.');
      const tampered = `${parts[0]}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(parts[1], 'base64url')), user_id: 'mallory' })).toString('base64url')}.${parts[2]}`;
      const r2 = await control(emu.endpoint, 'join', { stageArn: one.arn, token: tampered });
      assert.equal(r2.status, 403);
      assert.equal(r2.body.reason, 'bad_signature');
    });
    await t.test('expired token is refused', async () => {
      const expired = await sign(one, 'joseParticipant3', { iat: now - 7200, exp: now - 3600 });
      const r = await control(emu.endpoint, 'join', { stageArn: one.arn, token: expired });
      assert.equal(r.status, 403);
      assert.equal(r.body.reason, 'expired');
    });
    await t.test('token for another stage is refused', async () => {
      const r = await control(emu.endpoint, 'join', { stageArn: two.arn, token: good });
      assert.equal(r.status, 403);
      assert.equal(r.body.reason, 'wrong_stage');
    });
  } finally {
    ivs.destroy();
    await emu.stop();
  }
});

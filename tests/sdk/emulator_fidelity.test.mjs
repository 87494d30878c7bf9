// @aws-sdk/client-ivs-realtime (and raw sockets) against `ivs-server emulator`: the places where
// the emulator once answered differently from IVS, each checked the way IVS answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  CreateStageCommand, GetStageCommand, UpdateStageCommand, ListStagesCommand,
  paginateListStages, CreateParticipantTokenCommand, GetParticipantCommand, GetStageSessionCommand,
  ListParticipantEventsCommand, ListParticipantsCommand, TagResourceCommand, ListTagsForResourceCommand,
  ValidationException, ResourceNotFoundException,
} from '@aws-sdk/client-ivs-realtime';
import { startEmulator, ivsClient, control } from './lib.mjs';

let emu;
let ivs;
before(async () => {
  emu = await startEmulator();
  ivs = ivsClient(emu.endpoint);
});
after(async () => { ivs?.destroy(); await emu?.stop(); });

const client = (extra) => ivsClient(emu.endpoint, extra);
const isValidation = (e) => e instanceof ValidationException && e.$metadata.httpStatusCode === 400;

async function stageCount() {
  let n = 0;
  for await (const page of paginateListStages({ client: ivs, pageSize: 100 }, {})) n += page.stages.length;
  return n;
}

async function token(stageArn, userId, capabilities = ['PUBLISH', 'SUBSCRIBE']) {
  const { participantToken } = await ivs.send(new CreateParticipantTokenCommand({ stageArn, userId, capabilities }));
  return participantToken;
}

test('a CreateStage refused with ValidationException leaves no stage behind', async () => {
  const before = await stageCount();
  for (const [what, cfg] of [
    ['duration 0', { duration: 0, userId: 'u' }],
    ['a 129-character userId', { duration: 60, userId: 'u'.repeat(129) }],
    ['attributes over 1 KB', { duration: 60, userId: 'u', attributes: { a: 'x'.repeat(1100) } }],
  ]) {
    await assert.rejects(ivs.send(new CreateStageCommand({ name: 'invalid', participantTokenConfigurations: [cfg] })),
      isValidation, what);
  }
  assert.equal(await stageCount(), before);
});

test('GetParticipant, GetStageSession and ListParticipantEvents follow a WHIP participant', async () => {
  const { stage } = await ivs.send(new CreateStageCommand({ name: 'whip' }));
  const t = await token(stage.arn, 'whip-host');
  const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n';
  const r = await fetch(stage.endpoints.whip, {
    method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${t.token}` }, body: sdp });
  await r.arrayBuffer();
  assert.equal(r.status, 201);
  const location = r.headers.get('location');
  const participantId = r.headers.get('x-ivs-participant-id');
  const sessionId = r.headers.get('x-ivs-session-id');
  assert.ok(location, 'Location header');
  assert.equal(participantId, t.participantId);
  assert.match(sessionId, /^st-[A-Za-z0-9]+$/);
  const ids = { stageArn: stage.arn, sessionId, participantId };

  const { participant } = await ivs.send(new GetParticipantCommand(ids));
  assert.equal(participant.state, 'CONNECTED');
  assert.equal(participant.published, true);
  assert.equal(participant.userId, 'whip-host');
  const { stageSession } = await ivs.send(new GetStageSessionCommand({ stageArn: stage.arn, sessionId }));
  assert.equal(stageSession.sessionId, sessionId);
  assert.ok(stageSession.startTime instanceof Date);
  assert.equal(stageSession.endTime, undefined);
  const events = async () => (await ivs.send(new ListParticipantEventsCommand(ids))).events.map((e) => e.name);
  assert.deepEqual(await events(), ['JOINED', 'PUBLISH_STARTED']);

  const left = await fetch(new URL(location, emu.endpoint), { method: 'DELETE' });
  await left.arrayBuffer();
  assert.ok(left.ok, `DELETE ${location} -> ${left.status}`);
  const gone = (await ivs.send(new GetParticipantCommand(ids))).participant;
  assert.equal(gone.state, 'DISCONNECTED');
  assert.equal(gone.published, false);
  assert.ok((await ivs.send(new GetStageSessionCommand({ stageArn: stage.arn, sessionId }))).stageSession.endTime instanceof Date);
  assert.deepEqual((await events()).slice(-2), ['PUBLISH_STOPPED', 'LEFT']);
  await assert.rejects(ivs.send(new GetParticipantCommand({ ...ids, participantId: 'AbCdEfGh1234' })),
    (e) => e instanceof ResourceNotFoundException);
});

test('ListParticipants: filterByPublished false is the default (no filter); with filterByUserId only false is allowed', async () => {
  const { stage } = await ivs.send(new CreateStageCommand({ name: 'filters' }));
  const host = await control(emu.endpoint, 'join', { stageArn: stage.arn, token: (await token(stage.arn, 'host')).token });
  const guest = await control(emu.endpoint, 'join', { stageArn: stage.arn, token: (await token(stage.arn, 'guest')).token });
  assert.equal(host.status, 200);
  assert.equal(guest.status, 200);
  assert.equal((await control(emu.endpoint, 'publish', { stageArn: stage.arn, participantId: host.body.participantId })).status, 200);
  const users = async (filters) => (await ivs.send(new ListParticipantsCommand({
    stageArn: stage.arn, sessionId: host.body.sessionId, ...filters }))).participants.map((p) => p.userId).sort();
  assert.deepEqual(await users({ filterByPublished: false }), ['guest', 'host']);
  assert.deepEqual(await users({ filterByPublished: true }), ['host']);
  assert.deepEqual(await users({ filterByUserId: 'guest', filterByPublished: false }), ['guest']);
  await assert.rejects(users({ filterByUserId: 'host', filterByPublished: true }), isValidation);
});

test('autoParticipantRecordingConfiguration is stored and returned by CreateStage, UpdateStage and GetStage', async () => {
  const storageConfigurationArn = 'arn:aws:ivs:us-east-1:123456789012:storage-configuration/AbCdEfGh1234';
  const { stage } = await ivs.send(new CreateStageCommand({ name: 'recorded',
    autoParticipantRecordingConfiguration: { storageConfigurationArn, mediaTypes: ['AUDIO_VIDEO'] } }));
  assert.equal(stage.autoParticipantRecordingConfiguration.storageConfigurationArn, storageConfigurationArn);
  const got = (await ivs.send(new GetStageCommand({ arn: stage.arn }))).stage.autoParticipantRecordingConfiguration;
  assert.equal(got.storageConfigurationArn, storageConfigurationArn);
  assert.deepEqual(got.mediaTypes, ['AUDIO_VIDEO']);
  await ivs.send(new UpdateStageCommand({ arn: stage.arn,
    autoParticipantRecordingConfiguration: { storageConfigurationArn, mediaTypes: ['AUDIO_ONLY'] } }));
  const updated = (await ivs.send(new GetStageCommand({ arn: stage.arn }))).stage.autoParticipantRecordingConfiguration;
  assert.deepEqual(updated.mediaTypes, ['AUDIO_ONLY']);
  await assert.rejects(ivs.send(new CreateStageCommand({ name: 'bad-recording',
    autoParticipantRecordingConfiguration: { storageConfigurationArn: stage.arn } })), isValidation);
});

test('SigV4 errors carry the REST-JSON names and status IVS gives', async (t) => {
  const refused = (name, message) => (e) => e.name === name && e.$metadata.httpStatusCode === 403 &&
    (!message || message.test(e.message));
  await t.test('a signature scoped to another region -> 403 InvalidSignatureException', async () => {
    const other = client({ region: 'eu-west-1' });
    await assert.rejects(other.send(new ListStagesCommand({})), refused('InvalidSignatureException'));
    other.destroy();
  });
  await t.test('an unknown access key -> 403 UnrecognizedClientException', async () => {
    const unknown = client({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'test' } });
    await assert.rejects(unknown.send(new ListStagesCommand({})), refused('UnrecognizedClientException'));
    unknown.destroy();
  });
  await t.test('no Authorization -> 403 MissingAuthenticationTokenException', async () => {
    const r = await fetch(`${emu.endpoint}/ListStages`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const body = await r.json();
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.equal(body.message, 'Missing Authentication Token');
  });
  await t.test('a signature 20 minutes old -> 403 InvalidSignatureException "Signature expired"', async () => {
    const late = client({ systemClockOffset: -20 * 60 * 1000 });
    await assert.rejects(late.send(new ListStagesCommand({})), refused('InvalidSignatureException', /^Signature expired/));
    late.destroy();
  });
});

test('tag keys with the reserved aws: prefix are refused', async () => {
  const before = await stageCount();
  await assert.rejects(ivs.send(new CreateStageCommand({ name: 'aws-tag', tags: { 'aws:team': 'x' } })), isValidation);
  assert.equal(await stageCount(), before);
  const { stage } = await ivs.send(new CreateStageCommand({ name: 'tagged', tags: { team: 'a' } }));
  await assert.rejects(ivs.send(new TagResourceCommand({ resourceArn: stage.arn, tags: { 'aws:team': 'x' } })), isValidation);
  assert.deepEqual((await ivs.send(new ListTagsForResourceCommand({ resourceArn: stage.arn }))).tags, { team: 'a' });
});

// Writes bytes on a fresh connection and resolves with what comes back until the server closes
// it (or 5 s pass): the status, the head (status line and headers) and the body.
function raw(bytes) {
  const { hostname, port } = new URL(emu.endpoint);
  return new Promise((resolve, reject) => {
    const chunks = [];
    const s = connect({ host: hostname, port: Number(port) }, () => s.write(bytes));
    s.setTimeout(5000, () => s.destroy());
    s.on('data', (c) => chunks.push(c));
    s.on('error', (e) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = text.match(/^HTTP\/1\.[01] (\d{3}) /);
      const [head, ...rest] = text.split('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, head, body: rest.join('\r\n\r\n') });
    });
  });
}

test('malformed requests on a raw socket get an HTTP answer', async () => {
  const host = `Host: ${new URL(emu.endpoint).host}\r\n`;
  assert.equal((await raw(`POST /ListStages HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20480)}\r\n\r\n`)).status, 431, '20 KB header');
  assert.equal((await raw(`POST /ListStages HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n{}`)).status, 400, 'Content-Length: -1');
  assert.equal((await raw('GET /ListStages\r\n')).status, 400, 'HTTP/0.9');
  const hello = Buffer.concat([Buffer.from('16030100a5010000a10303', 'hex'), randomBytes(32), Buffer.from('00000213010100', 'hex')]);
  assert.equal((await raw(hello)).status, 400, 'TLS ClientHello');
  const big = await raw(`POST /ListStages HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{`);
  assert.equal(big.status, 413, 'oversized body');
  assert.match(JSON.parse(big.body).exceptionMessage, /too large/, `413 body: ${big.body}`);
  assert.match(big.head, /^x-amzn-errortype: PayloadTooLargeException\r?$/im, big.head);
});

test("CreateParticipantToken's token has IVS's shape", async () => {
  const { stage } = await ivs.send(new CreateStageCommand({ name: 'shape' }));
  const t = await token(stage.arn, 'viewer', ['SUBSCRIBE']);
  const header = decodeProtectedHeader(t.token);
  assert.deepEqual(Object.keys(header).sort(), ['alg', 'kid', 'typ']);
  assert.equal(header.alg, 'ES384');
  assert.equal(header.typ, 'JWT');
  assert.match(header.kid, /^arn:aws:ivs:us-east-1:\d{12}:public-key\/[A-Za-z0-9]+$/);
  assert.equal(Buffer.from(t.token.split('.')[2], 'base64url').length, 96, 'raw r||s signature');
  const claims = decodeJwt(t.token);
  assert.equal(claims.version, '1.0');
  assert.deepEqual(claims.capabilities, { allow_publish: false, allow_subscribe: true });
  assert.equal(claims.jti, t.participantId);
  assert.equal(claims.resource, stage.arn);
  assert.equal(claims.topic, stage.arn.split('/').pop());
  assert.equal(claims.user_id, 'viewer');
  assert.equal(claims.whip_url, stage.endpoints.whip);
  assert.equal(claims.exp, Math.floor(t.expirationTime.getTime() / 1000));
});

test("the standalone emulator's log carries none of the server's warnings", () => {
  const log = emu.log();
  assert.match(log, /ivs emulator listening on/);
  assert.doesNotMatch(log, /MAX_STAGES|FANOUT_MODE/);
});

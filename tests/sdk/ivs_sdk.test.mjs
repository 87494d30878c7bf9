// @aws-sdk/client-ivs-realtime against `ivs-server emulator`: the acceptance flows of the IVS
// emulator, with errors surfacing as the SDK's modeled exception classes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStageCommand, GetStageCommand, UpdateStageCommand, DeleteStageCommand,
  ListStagesCommand, paginateListStages, CreateParticipantTokenCommand, ImportPublicKeyCommand,
  GetPublicKeyCommand, StartParticipantReplicationCommand, StopParticipantReplicationCommand,
  ListParticipantReplicasCommand, ListParticipantsCommand, TagResourceCommand,
  ListTagsForResourceCommand, UntagResourceCommand,
  ResourceNotFoundException, ValidationException, ConflictException, ServiceQuotaExceededException,
} from '@aws-sdk/client-ivs-realtime';
import { startEmulator, ivsClient, control } from './lib.mjs';

let emu;
let ivs;
before(async () => {
  emu = await startEmulator();
  ivs = ivsClient(emu.endpoint);
});
after(async () => { ivs?.destroy(); await emu?.stop(); });

const stageArnRe = /^arn:aws:ivs:us-east-1:\d{12}:stage\/[A-Za-z0-9]{12}$/;

test('create, get, update and delete a stage', async () => {
  const { stage } = await ivs.send(new CreateStageCommand({ name: 'node-stage', tags: { ManagedBy: 'ivs-server' } }));
  assert.match(stage.arn, stageArnRe);
  assert.equal(stage.endpoints.events, 'wss://global.events.live-video.net');
  // The emulator's WHIP endpoint is its own, so clients can really join its stages.
  assert.equal(stage.endpoints.whip, `${emu.endpoint}/whip`);
  const got = await ivs.send(new GetStageCommand({ arn: stage.arn }));
  assert.equal(got.stage.name, 'node-stage');
  assert.deepEqual(got.stage.tags, { ManagedBy: 'ivs-server' });
  const updated = await ivs.send(new UpdateStageCommand({ arn: stage.arn, name: 'renamed' }));
  assert.equal(updated.stage.name, 'renamed');
  await ivs.send(new DeleteStageCommand({ arn: stage.arn }));
  await assert.rejects(ivs.send(new GetStageCommand({ arn: stage.arn })),
    (e) => e instanceof ResourceNotFoundException && e.$metadata.httpStatusCode === 404);
});

test('list stages: maxResults 3 and auto-pagination over 7 stages', async () => {
  const created = new Set();
  for (let i = 0; i < 7; i++) {
    created.add((await ivs.send(new CreateStageCommand({ name: `page-${i}`, tags: { set: 'paging' } }))).stage.arn);
  }
  const first = await ivs.send(new ListStagesCommand({ maxResults: 3 }));
  assert.equal(first.stages.length, 3);
  assert.ok(first.nextToken);
  const seen = new Set();
  let pages = 0;
  for await (const page of paginateListStages({ client: ivs, pageSize: 3 }, {})) {
    pages++;
    for (const s of page.stages) if (s.tags?.set === 'paging') seen.add(s.arn);
  }
  assert.ok(pages >= 3);
  assert.deepEqual(seen, created);
});

test('participant tokens', async () => {
  const { stage } = await ivs.send(new CreateStageCommand({ name: 'tokens' }));
  const { participantToken: t } = await ivs.send(new CreateParticipantTokenCommand({
    stageArn: stage.arn, userId: 'viewer-1', duration: 60, capabilities: ['SUBSCRIBE'], attributes: { role: 'viewer' },
  }));
  assert.match(t.participantId, /^[A-Za-z0-9]{12}$/);
  assert.equal(t.token.split('.').length, 3);
  assert.equal(t.userId, 'viewer-1');
  assert.equal(t.duration, 60);
  assert.deepEqual(t.capabilities, ['SUBSCRIBE']);
  assert.ok(t.expirationTime instanceof Date);
  const minutes = (t.expirationTime.getTime() - Date.now()) / 60000;
  assert.ok(minutes > 55 && minutes <= 60, `expires in ${minutes} minutes`);
  await assert.rejects(ivs.send(new CreateParticipantTokenCommand({ stageArn: stage.arn, duration: 20161 })),
    (e) => e instanceof ValidationException && e.$metadata.httpStatusCode === 400);
});

test('invalid name is a ValidationException', async () => {
  await assert.rejects(ivs.send(new CreateStageCommand({ name: 'bad name!' })),
    (e) => e instanceof ValidationException && /name/.test(e.message));
});

test('wrong secret is InvalidSignatureException (the REST-JSON name IVS gives)', async () => {
  const wrong = ivsClient(emu.endpoint, { credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' } });
  await assert.rejects(wrong.send(new ListStagesCommand({})),
    (e) => e.name === 'InvalidSignatureException' && e.$metadata.httpStatusCode === 403);
  wrong.destroy();
});

test('import a P-384 public key made with openssl', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ivs-key-'));
  try {
    execFileSync('openssl', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', join(dir, 'priv.pem')]);
    execFileSync('openssl', ['ec', '-in', join(dir, 'priv.pem'), '-pubout', '-out', join(dir, 'pub.pem')], { stdio: 'ignore' });
    const pem = readFileSync(join(dir, 'pub.pem'), 'utf8');
    const { publicKey } = await ivs.send(new ImportPublicKeyCommand({ publicKeyMaterial: pem, name: 'node-key' }));
    assert.match(publicKey.arn, /^arn:aws:ivs:us-east-1:\d{12}:public-key\/[A-Za-z0-9]{12}$/);
    assert.ok(publicKey.fingerprint);
    const got = await ivs.send(new GetPublicKeyCommand({ arn: publicKey.arn }));
    assert.equal(got.publicKey.publicKeyMaterial, pem);
    await assert.rejects(ivs.send(new ImportPublicKeyCommand({ publicKeyMaterial: pem })),
      (e) => e instanceof ConflictException && e.$metadata.httpStatusCode === 409);
    await assert.rejects(ivs.send(new ImportPublicKeyCommand({ publicKeyMaterial: 'not a pem' })),
      (e) => e instanceof ValidationException);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('start, list and stop participant replication', async () => {
  const master = (await ivs.send(new CreateStageCommand({ name: 'master' }))).stage;
  const fanouts = [];
  for (let i = 0; i < 6; i++) fanouts.push((await ivs.send(new CreateStageCommand({ name: `fanout-${i}` }))).stage);
  const { participantToken } = await ivs.send(new CreateParticipantTokenCommand({ stageArn: master.arn, userId: 'host' }));
  const joined = await control(emu.endpoint, 'join', { stageArn: master.arn, token: participantToken.token });
  assert.equal(joined.status, 200);
  const pid = joined.body.participantId;
  assert.equal(pid, participantToken.participantId);

  // Not publishing yet: a modeled error.
  await assert.rejects(ivs.send(new StartParticipantReplicationCommand({
    sourceStageArn: master.arn, destinationStageArn: fanouts[0].arn, participantId: pid })),
  (e) => e instanceof ConflictException);
  assert.equal((await control(emu.endpoint, 'publish', { stageArn: master.arn, participantId: pid })).status, 200);

  for (let i = 0; i < 5; i++) {
    await ivs.send(new StartParticipantReplicationCommand({
      sourceStageArn: master.arn, destinationStageArn: fanouts[i].arn, participantId: pid, reconnectWindowSeconds: 30 }));
  }
  await assert.rejects(ivs.send(new StartParticipantReplicationCommand({
    sourceStageArn: master.arn, destinationStageArn: fanouts[5].arn, participantId: pid })),
  (e) => e instanceof ServiceQuotaExceededException && e.$metadata.httpStatusCode === 402);

  const { replicas } = await ivs.send(new ListParticipantReplicasCommand({ sourceStageArn: master.arn, participantId: pid }));
  assert.deepEqual(new Set(replicas.map((r) => r.destinationStageArn)), new Set(fanouts.slice(0, 5).map((s) => s.arn)));
  const dest = await ivs.send(new GetStageCommand({ arn: fanouts[0].arn }));
  const { participants } = await ivs.send(new ListParticipantsCommand({ stageArn: fanouts[0].arn, sessionId: dest.stage.activeSessionId }));
  assert.equal(participants.length, 1);
  assert.equal(participants[0].replicationType, 'REPLICA');
  assert.equal(participants[0].sourceStageArn, master.arn);

  await ivs.send(new StopParticipantReplicationCommand({ sourceStageArn: master.arn, destinationStageArn: fanouts[0].arn, participantId: pid }));
  const after = await ivs.send(new ListParticipantReplicasCommand({ sourceStageArn: master.arn, participantId: pid }));
  assert.equal(after.replicas.length, 4);
  await assert.rejects(ivs.send(new StopParticipantReplicationCommand({
    sourceStageArn: master.arn, destinationStageArn: fanouts[0].arn, participantId: pid })),
  (e) => e instanceof ResourceNotFoundException);
});

test('tags on a stage', async () => {
  const { stage } = await ivs.send(new CreateStageCommand({ name: 'tags' }));
  await ivs.send(new TagResourceCommand({ resourceArn: stage.arn, tags: { a: '1', b: '2' } }));
  await ivs.send(new UntagResourceCommand({ resourceArn: stage.arn, tagKeys: ['a'] }));
  const { tags } = await ivs.send(new ListTagsForResourceCommand({ resourceArn: stage.arn }));
  assert.deepEqual(tags, { b: '2' });
  await assert.rejects(ivs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ivs:us-east-1:123456789012:stage/missingStage' })),
    (e) => e instanceof ResourceNotFoundException);
});

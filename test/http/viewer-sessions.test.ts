import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { OfflineViewerSessionRevoker } from '../../src/adapters/local/offline-viewer-session-revoker.js';
import { RecordingViewerSessionRevoker } from '../support/fakes.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN, OTHER_CHANNEL_ARN } from '../support/test-app.js';

const PATH = '/v1/viewer-sessions/revoke';

describe('POST /v1/viewer-sessions/revoke', () => {
  it('starts revocation for each valid session and reports bad ones per item', async () => {
    const revoker = new RecordingViewerSessionRevoker(new Set(['gone']));
    const context = await buildTestApp({ revoker });

    const response = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.revoker}`)
      .send({
        sessions: [
          { channelArn: CHANNEL_ARN, viewerId: 'v1' },
          { channelArn: CHANNEL_ARN, viewerId: 'v2', viewerSessionVersionsLessThanOrEqualTo: 3 },
          { channelArn: CHANNEL_ARN, viewerId: 'x'.repeat(41) },
          { channelArn: 'not-an-arn', viewerId: 'v4' },
          { channelArn: CHANNEL_ARN, viewerId: 'gone' },
        ],
      });

    expect(response.status).toBe(202);
    expectToMatchSpec(response, 'post', PATH);
    expect(response.body.started).toBe(2);
    expect(
      response.body.results.map(
        (result: { status: string; error?: { code: string } }) => result.error?.code ?? result.status,
      ),
    ).toEqual([
      'started',
      'started',
      'INVALID_VIEWER_ID',
      'INVALID_CHANNEL_ARN',
      'ResourceNotFoundException',
    ]);
    expect(revoker.calls).toEqual([
      [
        { channelArn: CHANNEL_ARN, viewerId: 'v1' },
        { channelArn: CHANNEL_ARN, viewerId: 'v2', viewerSessionVersionsLessThanOrEqualTo: 3 },
        { channelArn: CHANNEL_ARN, viewerId: 'gone' },
      ],
    ]);
  });

  it.each([
    [{ sessions: [] }, 'INVALID_BATCH_SIZE'],
    [
      { sessions: Array.from({ length: 101 }, (_, i) => ({ channelArn: CHANNEL_ARN, viewerId: `v${i}` })) },
      'INVALID_BATCH_SIZE',
    ],
    [{ channelArn: CHANNEL_ARN, viewerId: 'v' }, 'INVALID_REQUEST'],
  ])('refuses a malformed request with 400 %#', async (body, code) => {
    const context = await buildTestApp();

    const response = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.revoker}`)
      .send(body);

    expect(response.status).toBe(400);
    expect(response.body.code).toBe(code);
    expectToMatchSpec(response, 'post', PATH);
  });

  it('requires the sessions:revoke scope', async () => {
    const context = await buildTestApp();

    const response = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .send({ sessions: [{ channelArn: CHANNEL_ARN, viewerId: 'v' }] });

    expect(response.status).toBe(403);
    expect(response.body.code).toBe('INSUFFICIENT_SCOPE');
  });

  it("refuses sessions on channels outside the key's patterns per item", async () => {
    const revoker = new RecordingViewerSessionRevoker();
    const context = await buildTestApp({ revoker });

    const response = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.limited}`)
      .send({
        sessions: [
          { channelArn: OTHER_CHANNEL_ARN, viewerId: 'v' },
          { channelArn: CHANNEL_ARN, viewerId: 'v' },
        ],
      });

    expect(response.status).toBe(202);
    expect(response.body.results[0]).toMatchObject({
      status: 'failed',
      error: { code: 'CHANNEL_NOT_ALLOWED' },
    });
    expect(response.body.results[1]).toMatchObject({ status: 'started' });
    expect(revoker.calls).toEqual([[{ channelArn: CHANNEL_ARN, viewerId: 'v' }]]);
  });

  it('answers 501 NOT_AVAILABLE_IN_LOCAL_MODE with the aws command to use instead', async () => {
    const context = await buildTestApp({ revoker: new OfflineViewerSessionRevoker() });

    const response = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.revoker}`)
      .send({ sessions: [{ channelArn: CHANNEL_ARN, viewerId: 'v' }] });

    expect(response.status).toBe(501);
    expect(response.body.code).toBe('NOT_AVAILABLE_IN_LOCAL_MODE');
    expect(response.body.message).toBe(
      `local mode does not call IVS; revoke with: aws ivs start-viewer-session-revocation --channel-arn ${CHANNEL_ARN} --viewer-id v`,
    );
    expectToMatchSpec(response, 'post', PATH);
  });

  it('fills in the viewer the request named, quoted for the shell, and its session version', async () => {
    const context = await buildTestApp({ revoker: new OfflineViewerSessionRevoker() });

    const response = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.revoker}`)
      .send({
        sessions: [
          { channelArn: CHANNEL_ARN, viewerId: "Ann's tablet", viewerSessionVersionsLessThanOrEqualTo: 3 },
          { channelArn: CHANNEL_ARN, viewerId: 'b' },
        ],
      });

    expect(response.status).toBe(501);
    expect(response.body.message).toBe(
      `local mode does not call IVS; revoke with: aws ivs start-viewer-session-revocation --channel-arn ${CHANNEL_ARN} --viewer-id 'Ann'\\''s tablet' --viewer-session-versions-less-than-or-equal-to 3 (one command per session; this request has 2)`,
    );
  });
});

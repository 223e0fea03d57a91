import { TrentNode } from '../support/trent-node';
import { signedPost } from './e2e-helpers';

/**
 * The AWS JSON 1.1 wire as it leaves the node, seen without the SDK in between: requests signed with
 * the SDK's SigV4 signer, bodies written by hand (so members the model requires can be left out).
 */
describe('AWS JSON 1.1 wire format (e2e)', () => {
  const AWS_JSON = /^application\/x-amz-json-1\.1(;|$)/;
  let node: TrentNode;

  beforeAll(async () => {
    node = await TrentNode.start({ region: 'eu-central-1' });
  });

  afterAll(async () => {
    await node?.dispose();
  });

  it('should answer with the AWS JSON content type and timestamps as epoch seconds', async () => {
    const res = await signedPost(node, 'CreateKey', '{"Description":"raw"}');

    expect(res.status).toBe(200);
    // AWS sends the bare media type; Fastify appends "; charset=utf-8", which SDKs ignore.
    expect(res.contentType).toMatch(AWS_JSON);
    const md = res.body.KeyMetadata as Record<string, unknown>;
    expect(typeof md.CreationDate).toBe('number');
    expect(Math.abs((md.CreationDate as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(md.Arn).toBe(`arn:aws:kms:eu-central-1:000000000000:key/${md.KeyId as string}`);
    expect(md.Description).toBe('raw');
  });

  it('should send blobs as base64 strings', async () => {
    const key = ((await signedPost(node, 'CreateKey', '{}')).body.KeyMetadata as { KeyId: string }).KeyId;
    const plaintext = Buffer.from('wire bytes').toString('base64');

    const enc = await signedPost(node, 'Encrypt', JSON.stringify({ KeyId: key, Plaintext: plaintext }));
    const dec = await signedPost(node, 'Decrypt', JSON.stringify({ CiphertextBlob: enc.body.CiphertextBlob }));

    expect(enc.body.CiphertextBlob).toEqual(expect.stringMatching(/^[A-Za-z0-9+/]+=*$/));
    expect(dec.body.Plaintext).toBe(plaintext);
  });

  it('should name the error in __type and x-amzn-errortype, with a lower-case message [S]', async () => {
    const missing = '11111111-2222-4333-8444-555555555555';

    const res = await signedPost(node, 'DescribeKey', JSON.stringify({ KeyId: missing }));

    expect(res).toEqual({
      status: 400,
      contentType: expect.stringMatching(AWS_JSON),
      errorType: 'NotFoundException',
      body: { __type: 'NotFoundException', message: `Key 'arn:aws:kms:eu-central-1:000000000000:key/${missing}' does not exist` },
    });
  });

  it('should refuse a request without a member the model requires', async () => {
    const res = await signedPost(node, 'CreateAlias', JSON.stringify({ AliasName: 'alias/raw' }));

    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      __type: 'ValidationException',
      message: "1 validation error detected: Value null at 'targetKeyId' failed to satisfy constraint: Member must not be null",
    });
  });

  it('should list every missing required member', async () => {
    const res = await signedPost(node, 'Encrypt', '{}');

    expect(res.body.__type).toBe('ValidationException');
    expect(res.body.message).toMatch(/^2 validation errors detected: /);
    expect(res.body.message).toContain("at 'keyId' failed to satisfy constraint: Member must not be null");
    expect(res.body.message).toContain("at 'plaintext' failed to satisfy constraint: Member must not be null");
  });

  it('should refuse a blob that is not base64 with SerializationException', async () => {
    const res = await signedPost(node, 'Decrypt', JSON.stringify({ CiphertextBlob: 'not base64 !!' }));

    expect(res).toMatchObject({ status: 400, errorType: 'SerializationException' });
  });

  it('should refuse an operation KMS does not have with UnknownOperationException', async () => {
    const res = await signedPost(node, 'MakeCoffee', '{}');

    expect(res).toMatchObject({ status: 400, errorType: 'UnknownOperationException' });
  });

  it('should refuse an access key it does not know before reading the body', async () => {
    const res = await signedPost(node, 'ListKeys', '{}', { accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' });

    expect(res).toMatchObject({
      status: 400,
      errorType: 'UnrecognizedClientException',
      body: { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' },
    });
  });

  it('should give InvalidCiphertextException no message text [S]', async () => {
    const key = ((await signedPost(node, 'CreateKey', '{}')).body.KeyMetadata as { KeyId: string }).KeyId;
    const enc = await signedPost(node, 'Encrypt', JSON.stringify({ KeyId: key, Plaintext: 'aGk=', EncryptionContext: { a: 'b' } }));

    const res = await signedPost(node, 'Decrypt', JSON.stringify({ CiphertextBlob: enc.body.CiphertextBlob }));

    expect(res.errorType).toBe('InvalidCiphertextException');
    expect(res.body.__type).toBe('InvalidCiphertextException');
    // AWS most likely sends no message member at all (see aws-messages.md); Trent sends an empty one.
    expect(res.body.message ?? '').toBe('');
  });
});

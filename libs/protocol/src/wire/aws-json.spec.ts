import { KmsError } from '../errors/kms-error';
import { errorReply, parseJsonBody, parseTarget, serializeResponse } from './aws-json';

describe('aws-json', () => {
  it('should take the operation from X-Amz-Target', () => {
    expect(parseTarget('TrentService.Encrypt')).toBe('Encrypt');
    for (const bad of [undefined, '', 'TrentService.', 'DynamoDB_20120810.GetItem', 'Encrypt']) {
      expect(() => parseTarget(bad)).toThrow(KmsError);
    }
  });

  it('should read an empty body as {} and refuse broken JSON with SerializationException', () => {
    expect(parseJsonBody(Buffer.alloc(0))).toEqual({});
    expect(() => parseJsonBody(Buffer.from('{"KeyId":'))).toThrow(expect.objectContaining({ code: 'SerializationException' }));
  });

  it('should refuse a body that is not UTF-8 rather than read it with replacement characters', () => {
    const notUtf8 = Buffer.concat([Buffer.from('{"Description":"'), Buffer.from([0xff, 0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    expect(() => parseJsonBody(notUtf8)).toThrow(expect.objectContaining({ code: 'SerializationException' }));
    expect(() => parseJsonBody(Buffer.from('\ufeff{}'))).toThrow(expect.objectContaining({ code: 'SerializationException' }));
    expect(parseJsonBody(Buffer.from('{"Description":"caf\u00e9 \ud83d\ude00"}'))).toEqual({ Description: 'caf\u00e9 \ud83d\ude00' });
  });

  it('should send blobs as base64, at any depth', () => {
    const sut = serializeResponse({ CiphertextBlob: Buffer.from([1, 2, 3]), List: [{ B: Buffer.from('hi') }], N: 1 });
    expect(JSON.parse(sut)).toEqual({ CiphertextBlob: 'AQID', List: [{ B: 'aGk=' }], N: 1 });
  });

  it('should shape errors as AWS does', () => {
    const sut = errorReply(new KmsError('NotFoundException', 'Invalid keyId x'));
    expect(sut).toEqual({
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'NotFoundException' },
      body: '{"__type":"NotFoundException","message":"Invalid keyId x"}',
    });
    expect(errorReply(new KmsError('KMSInternalException', 'x')).status).toBe(500);
  });
});

import type { Message } from '../types';
import { decodeMessage, encodeMessage, FrameReader, MAX_FRAME_BYTES } from './codec';

const app: Message = {
  type: 'app',
  from: '1',
  to: '2',
  term: 3,
  index: 4,
  logTerm: 2,
  commit: 4,
  entries: [{ index: 5, term: 3, type: 'normal', data: Buffer.from('hello') }],
};

describe('raft wire codec', () => {
  it('should carry byte arrays through JSON unchanged', () => {
    const [frame] = new FrameReader().push(encodeMessage(app));
    const back = decodeMessage(frame) as typeof app;
    expect(back.entries[0].data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back.entries[0].data).toString()).toBe('hello');
    expect({ ...back, entries: [] }).toEqual({ ...app, entries: [] });
  });

  it('should reassemble frames split across chunks and several frames in one chunk', () => {
    const bytes = Buffer.concat([encodeMessage(app), encodeMessage({ ...app, term: 9 })]);
    const reader = new FrameReader();
    const frames = [...reader.push(bytes.subarray(0, 3)), ...reader.push(bytes.subarray(3, 40)), ...reader.push(bytes.subarray(40))];
    expect(frames.map((f) => decodeMessage(f).term)).toEqual([3, 9]);
  });

  it('should refuse a frame whose length exceeds the bound', () => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    expect(() => new FrameReader().push(head)).toThrow(/exceeds the limit/);
  });

  it('should carry the byte fields of every message kind', () => {
    const ctx = Buffer.from('read-1');
    const msgs: Message[] = [
      { type: 'prop', from: '2', to: '1', term: 0, data: [Buffer.from('a'), Buffer.from('')] },
      { type: 'readIndex', from: '2', to: '1', term: 0, ctx },
      { type: 'readIndexResp', from: '1', to: '2', term: 4, index: 9, ctx },
      { type: 'snap', from: '1', to: '3', term: 4, snapshot: { meta: { index: 7, term: 3, conf: { voters: ['1', '2', '3'], learners: [] } }, data: Buffer.from('image') } },
      { type: 'heartbeat', from: '1', to: '2', term: 4, commit: 3, round: 1 },
    ];
    const reader = new FrameReader();
    const back = reader.push(Buffer.concat(msgs.map(encodeMessage))).map(decodeMessage);
    const plain = (m: unknown) =>
      JSON.parse(
        JSON.stringify(m, function (this: Record<string, unknown>, k: string, v: unknown) {
          const raw = this[k];
          return raw instanceof Uint8Array ? Buffer.from(raw).toString('hex') : v;
        }),
      );
    expect(back.map(plain)).toEqual(msgs.map(plain));
  });

  it('should refuse a frame whose blobs run past its end', () => {
    const [body] = new FrameReader().push(encodeMessage(app));
    expect(() => decodeMessage(body.subarray(0, body.length - 2))).toThrow(/shorter/);
  });
});

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
});

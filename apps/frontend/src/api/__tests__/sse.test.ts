import { readSseEvents, SseParser } from '@/api/sse';

const STREAM =
  ': keep-alive comment\r\n' +
  'event: start\r\ndata: {"conversation_id":"c1"}\r\n\r\n' +
  'event: delta\ndata: {"text":"Grüße 👋"}\n\n' +
  'data: first line\ndata:second line\n\n' +
  'event: done\rdata: {}\r\r';

const EXPECTED = [
  { event: 'start', data: '{"conversation_id":"c1"}' },
  { event: 'delta', data: '{"text":"Grüße 👋"}' },
  { event: 'message', data: 'first line\nsecond line' },
  { event: 'done', data: '{}' },
];

function parseInPieces(pieces: string[]) {
  const parser = new SseParser();
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()];
}

function byteStream(bytes: Uint8Array, cuts: number[]) {
  const bounds = [0, ...cuts, bytes.length];
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bounds.length - 1; i += 1) {
        controller.enqueue(bytes.slice(bounds[i], bounds[i + 1]));
      }
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>) {
  const events = [];
  for await (const event of readSseEvents(body)) events.push(event);
  return events;
}

describe('SseParser', () => {
  it('parses a whole stream with every kind of line ending', () => {
    expect(parseInPieces([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events wherever the text is split in two', () => {
    for (let cut = 0; cut <= STREAM.length; cut += 1) {
      expect(parseInPieces([STREAM.slice(0, cut), STREAM.slice(cut)])).toEqual(
        EXPECTED,
      );
    }
  });

  it('gives the same events when fed one character at a time', () => {
    expect(parseInPieces([...STREAM])).toEqual(EXPECTED);
  });

  it('keeps a CR at a chunk end until it knows whether LF follows', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('\n')).toEqual([]);
    expect(parser.push('\r\n')).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('drops an event that has no data and an unfinished last event', () => {
    expect(parseInPieces(['event: ping\n\n', 'data: cut'])).toEqual([]);
  });

  it('drops an unfinished last event after a finished line', () => {
    expect(parseInPieces(['data: a\nd'])).toEqual([]);
  });

  it('ends with a held CR that closes nothing', () => {
    expect(parseInPieces(['data: a\n\n\r'])).toEqual([
      { event: 'message', data: 'a' },
    ]);
  });

  it('reads a field without a colon or value as empty', () => {
    expect(parseInPieces(['data\n\n', 'data:\n\n', 'data: a:\n\n'])).toEqual([
      { event: 'message', data: '' },
      { event: 'message', data: '' },
      { event: 'message', data: 'a:' },
    ]);
  });

  it('ignores fields other than event and data', () => {
    expect(parseInPieces(['id: 7\nretry: 10\ndata: a\n\n'])).toEqual([
      { event: 'message', data: 'a' },
    ]);
  });
});

describe('readSseEvents', () => {
  it('decodes UTF-8 split inside a character at any byte', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      expect(await collect(byteStream(bytes, [cut, cut + 1]))).toEqual(
        EXPECTED,
      );
    }
    const emoji = bytes.indexOf(0xf0);
    expect(
      await collect(byteStream(bytes, [emoji + 1, emoji + 2, emoji + 3])),
    ).toEqual(EXPECTED);
  });

  it('closes the body when the reader stops early', async () => {
    const cancel = vi.fn();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: a\n\ndata: b\n\n'));
      },
      cancel,
    });
    for await (const event of readSseEvents(body)) {
      expect(event).toEqual({ event: 'message', data: 'a' });
      break;
    }
    expect(cancel).toHaveBeenCalledOnce();
  });
});

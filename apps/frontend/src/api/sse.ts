export type SseEvent = { event: string; data: string };

const LINE_END = /\r\n|\r|\n/;

/**
 * Incremental text/event-stream parser following the WHATWG rules for
 * lines, fields and dispatch. Feed it decoded text split anywhere.
 */
export class SseParser {
  private buffer = '';
  private eventType = '';
  private dataLines: string[] = [];

  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = LINE_END.exec(this.buffer);
      if (match === null) break;
      // A lone trailing CR may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.processLine(line);
      if (event !== null) events.push(event);
    }
    return events;
  }

  /** Call at end of stream: a held CR still ends its line. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.buffer.endsWith('\r')) {
      const event = this.processLine(this.buffer.slice(0, -1));
      if (event !== null) events.push(event);
    }
    this.buffer = '';
    return events;
  }

  private processLine(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventType = value;
    else if (field === 'data') this.dataLines.push(value);
    return null;
  }

  private dispatch(): SseEvent | null {
    const event =
      this.dataLines.length === 0
        ? null
        : {
            event: this.eventType || 'message',
            data: this.dataLines.join('\n'),
          };
    this.eventType = '';
    this.dataLines = [];
    return event;
  }
}

/** Yields the events of a response body; an unfinished last event is dropped. */
export async function* readSseEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    // Reached early when the consumer stops reading: close the connection.
    await reader.cancel().catch(() => undefined);
  }
}

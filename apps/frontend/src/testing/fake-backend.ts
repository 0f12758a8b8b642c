import { vi } from 'vitest';

/**
 * Stand-ins for the backend at the fetch boundary: unit tests run in jsdom,
 * where no server is reachable. The end-to-end tests use the real one.
 */
export type FakeRoute = (
  url: string,
  init: RequestInit,
) => Response | Promise<Response>;

export function stubFetch(route: FakeRoute) {
  const fetchMock = vi.fn((url: string | URL | Request, init?: RequestInit) =>
    Promise.resolve(route(String(url), init ?? {})),
  );
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * An event-stream body the test writes to as it goes; aborting `signal`
 * makes the reader fail the way a real fetch does.
 */
export function openStream(signal?: AbortSignal | null) {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  signal?.addEventListener('abort', () =>
    controller.error(new DOMException('The user aborted.', 'AbortError')),
  );
  return {
    response: new Response(body, {
      headers: { 'Content-Type': 'text/event-stream' },
    }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    close: () => controller.close(),
  };
}

export function streamResponse(...chunks: string[]): Response {
  const stream = openStream();
  chunks.forEach(stream.write);
  stream.close();
  return stream.response;
}

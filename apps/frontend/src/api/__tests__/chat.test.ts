import { fetchConversation, streamChat } from '@/api/chat';
import { ApiError } from '@/api/client';
import {
  jsonResponse,
  sse,
  streamResponse,
  stubFetch,
} from '@/testing/fake-backend';

async function collect(conversationId: string | null = null) {
  const events = [];
  const stream = streamChat({
    message: 'Hi',
    conversationId,
    signal: new AbortController().signal,
  });
  for await (const event of stream) events.push(event);
  return events;
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('streamChat', () => {
  it('posts the message and yields start, deltas and done', async () => {
    const fetchMock = stubFetch(() =>
      streamResponse(
        sse('start', { conversation_id: 'c1', demo: true }) +
          sse('delta', { text: 'Hel' }),
        sse('delta', { text: 'lo' }) + sse('done', { conversation_id: 'c1' }),
      ),
    );

    expect(await collect('c0')).toEqual([
      { type: 'start', conversationId: 'c1', demo: true },
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
      { type: 'done', conversationId: 'c1' },
    ]);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/chat/stream');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({
      message: 'Hi',
      conversation_id: 'c0',
    });
  });

  it('ends with the error event the backend sends', async () => {
    stubFetch(() =>
      streamResponse(
        sse('error', {
          error: 'The LLM endpoint timed out.',
          conversation_id: 'c1',
        }),
      ),
    );
    expect(await collect()).toEqual([
      {
        type: 'error',
        error: 'The LLM endpoint timed out.',
        conversationId: 'c1',
      },
    ]);
  });

  it('reports a stream that stops before done as cut off', async () => {
    stubFetch(() => streamResponse(sse('delta', { text: 'Hal' })));
    const error = await failure(collect());
    expect(error.message).toBe(
      'The answer was cut off before it finished. Try again.',
    );
  });

  it('uses the JSON error of a rejected request', async () => {
    stubFetch(() => jsonResponse({ error: 'Message must not be blank.' }, 400));
    const error = await failure(collect());
    expect(error.message).toBe('Message must not be blank.');
    expect(error.status).toBe(400);
  });

  it('explains a proxy error page in plain words', async () => {
    stubFetch(() => new Response('<html>Bad Gateway</html>', { status: 502 }));
    expect((await failure(collect())).message).toBe(
      'The chat service is not available right now. Try again in a moment.',
    );
  });

  it('explains a network failure in plain words', async () => {
    stubFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    expect((await failure(collect())).message).toBe(
      'The chat service could not be reached. Check your connection and try again.',
    );
  });

  it('rejects an event whose data is not JSON', async () => {
    stubFetch(() => streamResponse('event: delta\ndata: {oops\n\n'));
    expect((await failure(collect())).message).toBe(
      'The chat service sent a reply that could not be read.',
    );
  });
});

describe('fetchConversation', () => {
  it('returns the stored messages', async () => {
    const messages = [
      { role: 'user', content: 'Hi', status: 'complete', created_at: 'x' },
    ];
    const fetchMock = stubFetch(() =>
      jsonResponse({ conversation_id: 'c1', messages }),
    );
    expect(await fetchConversation('c1')).toEqual(messages);
    expect(fetchMock.mock.calls[0][0]).toBe('/chat/conversations/c1');
  });

  it('returns null for an unknown conversation', async () => {
    stubFetch(() => jsonResponse({ error: 'Not found.' }, 404));
    expect(await fetchConversation('c1')).toBeNull();
  });

  it('throws for other failures', async () => {
    stubFetch(() => jsonResponse({ error: 'Database unavailable.' }, 500));
    expect((await failure(fetchConversation('c1'))).message).toBe(
      'Database unavailable.',
    );
  });
});

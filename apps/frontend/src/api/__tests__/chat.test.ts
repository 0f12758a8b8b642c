import { streamChat, type ChatRequest } from '@/api/chat';
import { ApiError } from '@/api/client';
import {
  jsonResponse,
  openStream,
  sse,
  streamResponse,
  stubFetch,
} from '@/testing/fake-backend';

const CSRF = 'csrftoken=t0k3n';

async function collect(
  request: ChatRequest = { conversationId: null, message: 'Hi' },
) {
  const events = [];
  const stream = streamChat(request, new AbortController().signal);
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

beforeEach(() => {
  document.cookie = CSRF;
});

describe('streamChat', () => {
  it('posts the message and yields start, deltas and done', async () => {
    const fetchMock = stubFetch(() =>
      streamResponse(
        sse('start', {
          conversation_id: 'c1',
          title: 'Hi',
          demo: true,
          question_id: 7,
          answer_to: 7,
        }) + sse('delta', { text: 'Hel' }),
        sse('delta', { text: 'lo' }) +
          sse('done', { conversation_id: 'c1', message_id: 8 }),
      ),
    );

    expect(await collect({ conversationId: 'c0', message: 'Hi' })).toEqual([
      {
        type: 'start',
        conversationId: 'c1',
        title: 'Hi',
        demo: true,
        questionId: 7,
        answerTo: 7,
      },
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
      { type: 'done', messageId: 8 },
    ]);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/chat/stream');
    expect(init?.method).toBe('POST');
    expect(new Headers(init?.headers).get('X-CSRFToken')).toBe('t0k3n');
    expect(JSON.parse(String(init?.body))).toEqual({
      message: 'Hi',
      conversation_id: 'c0',
    });
  });

  it.each<[ChatRequest, object]>([
    [{ conversationId: null, message: 'New' }, { message: 'New' }],
    [
      { conversationId: 'c1', regenerate: 4 },
      { conversation_id: 'c1', regenerate: 4 },
    ],
    [
      { conversationId: 'c1', edit: 3, message: 'Better' },
      { conversation_id: 'c1', edit: 3, message: 'Better' },
    ],
    [
      { conversationId: 'c1', continue: 4 },
      { conversation_id: 'c1', continue: 4 },
    ],
  ])('sends the body form of %o', async (request, body) => {
    const fetchMock = stubFetch(() =>
      streamResponse(sse('done', { message_id: 1 })),
    );
    await collect(request);
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toEqual(body);
  });

  it('ends with the error event the backend sends', async () => {
    stubFetch(() =>
      streamResponse(
        sse('error', {
          error: 'The model did not answer in time. Try again.',
          conversation_id: 'c1',
          message_id: 9,
        }),
      ),
    );
    expect(await collect()).toEqual([
      {
        type: 'error',
        error: 'The model did not answer in time. Try again.',
        conversationId: 'c1',
        messageId: 9,
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

  it('reports a connection that breaks mid-answer as cut off, not as the network', async () => {
    let stream!: ReturnType<typeof openStream>;
    stubFetch(() => {
      stream = openStream();
      stream.write(sse('delta', { text: 'Hal' }));
      return stream.response;
    });
    const events = collect();
    await vi.waitFor(() => expect(stream).toBeDefined());
    stream.fail(new TypeError('network error'));
    expect((await failure(events)).message).toBe(
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

  it('explains any other failure without a status code', async () => {
    stubFetch(() => new Response('oops', { status: 500 }));
    expect((await failure(collect())).message).toBe(
      'Something went wrong in the chat service. Try again in a moment.',
    );
  });

  it('explains a network failure in plain words', async () => {
    stubFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    expect((await failure(collect())).message).toBe(
      'The chat service could not be reached. Check your connection and try again.',
    );
  });

  it('reads missing or mistyped fields as empty, never as the raw value', async () => {
    stubFetch(() =>
      streamResponse(
        sse('start', { conversation_id: 5, demo: 'yes', question_id: '7' }) +
          sse('delta', { text: ['x'] }) +
          sse('done', { message_id: '8' }),
      ),
    );
    expect(await collect()).toEqual([
      {
        type: 'start',
        conversationId: '',
        title: '',
        demo: false,
        questionId: null,
        answerTo: null,
      },
      { type: 'delta', text: '' },
      { type: 'done', messageId: null },
    ]);
  });

  it('fills in plain words for an error event without a message', async () => {
    stubFetch(() => streamResponse(sse('error', { error: '' })));
    expect(await collect()).toEqual([
      {
        type: 'error',
        error: 'The answer failed. Try again.',
        conversationId: null,
        messageId: null,
      },
    ]);
  });

  it('skips events it does not know and stops reading after done', async () => {
    stubFetch(() =>
      streamResponse(
        sse('ping', {}) +
          'data: {"text":"unnamed"}\n\n' +
          sse('delta', { text: 'Hi' }) +
          sse('done', { message_id: 2 }) +
          sse('delta', { text: 'after the end' }),
      ),
    );
    expect(await collect()).toEqual([
      { type: 'delta', text: 'Hi' },
      { type: 'done', messageId: 2 },
    ]);
  });

  it('asks for an event stream and sends JSON', async () => {
    const fetchMock = stubFetch(() =>
      streamResponse(sse('done', { message_id: 1 })),
    );
    await collect();
    const headers = new Headers(fetchMock.mock.calls[0][1]?.headers);
    expect(headers.get('Accept')).toBe('text/event-stream');
    expect(headers.get('Content-Type')).toBe('application/json');
  });

  it('rejects a reply without a body as unreadable', async () => {
    stubFetch(() => new Response(null, { status: 200 }));
    expect((await failure(collect())).message).toBe(
      'The chat service sent a reply that could not be read.',
    );
  });

  it.each(['[1]', '"text"', 'null'])(
    'rejects event data %s that is JSON but not an object',
    async (data) => {
      stubFetch(() => streamResponse(`event: delta\ndata: ${data}\n\n`));
      expect((await failure(collect())).message).toBe(
        'The chat service sent a reply that could not be read.',
      );
    },
  );

  it('rejects an event whose data is not JSON', async () => {
    stubFetch(() => streamResponse('event: delta\ndata: {oops\n\n'));
    expect((await failure(collect())).message).toBe(
      'The chat service sent a reply that could not be read.',
    );
  });
});

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

/**
 * What fetch (with `redirect: 'manual'`) gives for the sign-in proxy's
 * redirect to the login page; jsdom cannot make one, so it is drawn here.
 */
export function loginRedirect(): Response {
  const response = new Response(null);
  Object.defineProperty(response, 'type', { value: 'opaqueredirect' });
  Object.defineProperty(response, 'status', { value: 0 });
  Object.defineProperty(response, 'ok', { value: false });
  return response;
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
    /** The connection breaks, as when the server goes away. */
    fail: (error: Error) => controller.error(error),
  };
}

export function streamResponse(...chunks: string[]): Response {
  const stream = openStream();
  chunks.forEach(stream.write);
  stream.close();
  return stream.response;
}

type FakeMessage = {
  id: number;
  role: 'user' | 'assistant';
  content: string;
  status: 'complete' | 'partial' | 'failed';
  error: string;
};

type FakeConversation = {
  id: string;
  title: string;
  updated: number;
  messages: FakeMessage[];
};

/** How the fake model answers one turn; each call writes to the stream. */
export type FakeReply = {
  /** The question being answered. */
  question: string;
  delta: (text: string) => void;
  /** Text that reached the server but not yet the browser. */
  arrive: (text: string) => void;
  done: () => void;
  /** An upstream failure: the server stores what arrived and says so. */
  fail: (error: string) => void;
  /** The connection breaks (a crashed backend): nothing more is stored. */
  cut: () => void;
};

export const CSRF_TOKEN = 'fake-csrf-token';
export const STOPPED_ERROR = 'The answer was stopped before it was complete.';
export const MAX_MESSAGE_CHARS = 16000;
const NOT_FOUND = { error: 'Conversation not found.' };

/**
 * The backend of the API contract (README's API table) in memory: the
 * signed-in `user` (null: a run without sign-in), the conversation list,
 * stored messages, the four chat body forms, CSRF and the way interrupted
 * answers are stored. `reply` scripts the model.
 */
export function fakeBackend({
  model = 'hosted_vllm/demo-model',
  demo = false,
  user = null as string | null,
} = {}) {
  const conversations = new Map<string, FakeConversation>();
  const replies: ((reply: FakeReply) => void)[] = [];
  let clock = 0;
  let nextId = 1;
  const overrides: FakeRoute[] = [];

  const tick = () => (clock += 1);
  const summary = (c: FakeConversation) => ({
    id: c.id,
    title: c.title,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: new Date(c.updated * 1000).toISOString(),
  });

  function create(title: string, messages: Omit<FakeMessage, 'id'>[] = []) {
    const id = `00000000-0000-4000-8000-${String(conversations.size + 1).padStart(12, '0')}`;
    const stored = messages.map((m) => ({ ...m, id: nextId++ }));
    conversations.set(id, { id, title, updated: tick(), messages: stored });
    return id;
  }

  function list(url: URL) {
    document.cookie = `csrftoken=${CSRF_TOKEN}; path=/`;
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    const found = [...conversations.values()]
      .filter((c) => c.title.toLowerCase().includes(q))
      .sort((a, b) => b.updated - a.updated);
    return jsonResponse({ conversations: found.map(summary) });
  }

  function one(id: string, init: RequestInit) {
    const conversation = conversations.get(id);
    if (!conversation) return jsonResponse(NOT_FOUND, 404);
    if (init.method === 'DELETE') {
      conversations.delete(id);
      return new Response(null, { status: 204 });
    }
    if (init.method === 'PATCH') {
      const title = String(JSON.parse(String(init.body)).title ?? '').trim();
      if (title === '' || title.length > 200) {
        return jsonResponse(
          { error: 'A title needs 1 to 200 characters.' },
          400,
        );
      }
      conversation.title = title;
      return jsonResponse(summary(conversation));
    }
    return jsonResponse({
      conversation_id: id,
      title: conversation.title,
      messages: conversation.messages.map((m) => ({
        ...m,
        created_at: '2025-01-01T00:00:00Z',
      })),
    });
  }

  function chat(init: RequestInit): Response {
    const body = JSON.parse(String(init.body));
    let conversation = conversations.get(body.conversation_id);
    if (body.conversation_id !== undefined && !conversation) {
      return jsonResponse(NOT_FOUND, 404);
    }
    const text = typeof body.message === 'string' ? body.message.trim() : '';
    if (text.length > MAX_MESSAGE_CHARS) {
      const length = text.length.toLocaleString('en');
      return jsonResponse(
        {
          error: `Your message is ${length} characters long; the limit is 16,000. Shorten it and send again.`,
        },
        400,
      );
    }
    if (!conversation) {
      const id = create(text.split('\n')[0].slice(0, 60));
      conversation = conversations.get(id)!;
    }
    const messages = conversation.messages;
    const at = (id: unknown) => messages.findIndex((m) => m.id === id);
    let answer: FakeMessage | null = null;
    if ('regenerate' in body) {
      const index = at(body.regenerate);
      if (index === -1) return jsonResponse({ error: 'No such message.' }, 400);
      messages.splice(messages[index].role === 'user' ? index + 1 : index);
    } else if ('edit' in body) {
      const index = at(body.edit);
      if (index === -1 || messages[index].role !== 'user') {
        return jsonResponse({ error: 'No such question.' }, 400);
      }
      messages.splice(index);
    } else if ('continue' in body) {
      answer = messages.at(-1) ?? null;
      if (
        !answer ||
        answer.id !== body.continue ||
        answer.status !== 'partial'
      ) {
        return jsonResponse({ error: 'Only a stopped answer continues.' }, 400);
      }
    }
    if (text !== '') {
      messages.push({
        id: nextId++,
        role: 'user',
        content: text,
        status: 'complete',
        error: '',
      });
    }
    conversation.updated = tick();
    const question = [...messages].reverse().find((m) => m.role === 'user')!;
    const stream = openStream(init.signal);
    const continued = answer?.content ?? '';
    let arrived = '';
    let finished = false;
    const store = (status: FakeMessage['status'], error: string) => {
      finished = true;
      if (answer) {
        Object.assign(answer, { content: continued + arrived, status, error });
      } else {
        answer = {
          id: nextId++,
          role: 'assistant',
          content: arrived,
          status,
          error,
        };
        messages.push(answer);
      }
      return answer.id;
    };
    init.signal?.addEventListener('abort', () => {
      if (!finished)
        store(arrived || continued ? 'partial' : 'failed', STOPPED_ERROR);
    });
    const id = conversation.id;
    stream.write(
      sse('start', {
        conversation_id: id,
        title: conversation.title,
        demo,
        question_id: answer ? null : question.id,
        answer_to: question.id,
        continues: answer?.id ?? null,
      }),
    );
    const script =
      replies.shift() ??
      ((r: FakeReply) => {
        r.delta(`Answer to: ${r.question}`);
        r.done();
      });
    script({
      question: question.content,
      delta: (part) => {
        arrived += part;
        stream.write(sse('delta', { text: part }));
      },
      arrive: (part) => {
        arrived += part;
      },
      done: () => {
        const messageId = store('complete', '');
        stream.write(
          sse('done', {
            conversation_id: id,
            message_id: messageId,
            usage: null,
          }),
        );
        stream.close();
      },
      fail: (error) => {
        const messageId = store(
          arrived || continued ? 'partial' : 'failed',
          error,
        );
        stream.write(
          sse('error', { error, conversation_id: id, message_id: messageId }),
        );
        stream.close();
      },
      cut: () => {
        finished = true;
        stream.close();
      },
    });
    return stream.response;
  }

  const held = new Map<string, Promise<void>>();

  const fetchMock = stubFetch((href, init) => {
    for (const override of overrides) {
      const response = override(href, init);
      if (response) return response;
    }
    const gate = held.get(href);
    if (gate) {
      held.delete(href);
      return gate.then(() => route(href, init));
    }
    return route(href, init);
  });

  function route(href: string, init: RequestInit) {
    const url = new URL(href, 'http://chat.test');
    const method = init.method ?? 'GET';
    if (method !== 'GET') {
      const token = new Headers(init.headers).get('X-CSRFToken');
      if (token !== CSRF_TOKEN) {
        return jsonResponse(
          { error: 'The page is out of date. Reload it and try again.' },
          403,
        );
      }
    }
    if (url.pathname === '/health')
      return jsonResponse({ status: 'ok', model, demo });
    if (url.pathname === '/chat/session') {
      const signOut = user === null ? null : '/oauth/sign_out';
      return jsonResponse({ user, sign_out_url: signOut });
    }
    if (url.pathname === '/chat/conversations') return list(url);
    const match = /^\/chat\/conversations\/([^/]+)$/.exec(url.pathname);
    if (match) return one(decodeURIComponent(match[1]), init);
    if (url.pathname === '/chat/stream' && method === 'POST') return chat(init);
    return jsonResponse({ error: 'Not found.' }, 404);
  }

  return {
    fetchMock,
    conversations,
    /** Stores a conversation as if it had been held earlier. */
    create,
    /** The next answer follows `script` (default: "Answer to: <question>"). */
    reply: (script: (reply: FakeReply) => void) => replies.push(script),
    /** Answers matching requests with `route` first (return undefined to pass). */
    override: (
      route: (
        url: string,
        init: RequestInit,
      ) => Response | Promise<Response> | undefined,
    ) => overrides.push(route as FakeRoute),
    /** Holds the next request to `url` until the returned function is called. */
    hold: (url: string) => {
      let release!: () => void;
      held.set(url, new Promise((resolve) => (release = resolve)));
      return () => release();
    },
    /** The JSON bodies posted to /chat/stream, in order. */
    chatBodies: () =>
      fetchMock.mock.calls
        .filter(([url]) => String(url) === '/chat/stream')
        .map(([, init]) => JSON.parse(String(init?.body))),
  };
}

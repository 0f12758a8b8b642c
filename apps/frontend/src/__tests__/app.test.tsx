import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { App } from '@/app';
import {
  jsonResponse,
  openStream,
  sse,
  streamResponse,
  stubFetch,
  type FakeRoute,
} from '@/testing/fake-backend';

const CONVERSATION = '5b0c1d8e-0000-4000-8000-000000000001';
const HEALTH = { status: 'ok', model: 'demo-model', demo: true };

function backend(chat: FakeRoute, extra: Record<string, FakeRoute> = {}) {
  return stubFetch((url, init) => {
    if (url === '/health') return jsonResponse(HEALTH);
    if (url === '/chat/stream') return chat(url, init);
    const route = extra[url];
    if (route) return route(url, init);
    return jsonResponse({ error: 'Not found.' }, 404);
  });
}

function answer(...texts: string[]) {
  return streamResponse(
    sse('start', { conversation_id: CONVERSATION, demo: false }),
    ...texts.map((text) => sse('delta', { text })),
    sse('done', { conversation_id: CONVERSATION, usage: null }),
  );
}

const log = () => screen.getByRole('log', { name: 'Conversation' });
const input = () => screen.getByRole('textbox', { name: 'Message' });

describe('App', () => {
  it('shows the model name and the demo banner from /health', async () => {
    backend(() => answer('x'));
    render(<App />);
    expect(await screen.findByText('demo-model')).toBeInTheDocument();
    expect(screen.getByText(/Demo mode/)).toBeInTheDocument();
    expect(log()).toHaveAttribute('aria-live', 'polite');
  });

  it('shows a waiting indicator until the first token, then the answer', async () => {
    const user = userEvent.setup();
    let stream!: ReturnType<typeof openStream>;
    backend((_, init) => {
      stream = openStream(init.signal);
      return stream.response;
    });
    render(<App />);

    await user.type(input(), 'Hello?{Enter}');
    expect(within(log()).getByText('Hello?')).toBeInTheDocument();
    expect(
      await within(log()).findByText(/Waiting for the answer/),
    ).toBeInTheDocument();

    stream.write(sse('start', { conversation_id: CONVERSATION, demo: false }));
    stream.write(sse('delta', { text: '**Hi** the' }));
    expect(await within(log()).findByText('Hi')).toBeInTheDocument();
    expect(within(log()).queryByText(/Waiting for the answer/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeInTheDocument();

    stream.write(sse('delta', { text: 're' }));
    stream.write(sse('done', { conversation_id: CONVERSATION }));
    stream.close();
    expect(await within(log()).findByText(/there/)).toBeInTheDocument();
    expect(
      await screen.findByRole('button', { name: 'Send' }),
    ).toBeInTheDocument();
    expect(window.localStorage.getItem('chat.conversationId')).toBe(
      CONVERSATION,
    );
    expect(input()).toHaveFocus();
  });

  it('sends the conversation id with the next message', async () => {
    const user = userEvent.setup();
    const fetchMock = backend(() => answer('ok'));
    render(<App />);
    await user.type(input(), 'one{Enter}');
    await within(log()).findByText('ok');
    await user.type(input(), 'two{Enter}');
    await waitFor(() =>
      expect(within(log()).getAllByText('ok')).toHaveLength(2),
    );
    const bodies = fetchMock.mock.calls
      .filter(([url]) => url === '/chat/stream')
      .map(([, init]) => JSON.parse(String(init?.body)));
    expect(bodies).toEqual([
      { message: 'one' },
      { message: 'two', conversation_id: CONVERSATION },
    ]);
  });

  it('shows an upstream error inline and recovers with Retry', async () => {
    const user = userEvent.setup();
    const replies = [
      () =>
        streamResponse(
          sse('start', { conversation_id: CONVERSATION, demo: false }),
          sse('error', {
            error: 'The LLM endpoint could not be reached.',
            conversation_id: CONVERSATION,
          }),
        ),
      () => answer('Recovered.'),
    ];
    backend(() => replies.shift()!());
    render(<App />);

    await user.type(input(), 'Hi{Enter}');
    expect(
      await within(log()).findByText('The LLM endpoint could not be reached.'),
    ).toBeInTheDocument();
    await user.click(within(log()).getByRole('button', { name: 'Retry' }));
    expect(await within(log()).findByText('Recovered.')).toBeInTheDocument();
    expect(within(log()).queryByText(/could not be reached/)).toBeNull();
    expect(within(log()).getAllByText('Hi')).toHaveLength(1);
    expect(input()).toHaveFocus();
  });

  it('treats a backend that is down as an error with Retry', async () => {
    const user = userEvent.setup();
    stubFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    render(<App />);
    await user.type(input(), 'Hi{Enter}');
    expect(
      await within(log()).findByText(/The chat service could not be reached/),
    ).toBeInTheDocument();
    expect(
      within(log()).getByRole('button', { name: 'Retry' }),
    ).toBeInTheDocument();
  });

  it('stops the answer, keeps the partial text and aborts the request', async () => {
    const user = userEvent.setup();
    let signal: AbortSignal | null | undefined;
    let stream!: ReturnType<typeof openStream>;
    backend((_, init) => {
      signal = init.signal;
      stream = openStream(init.signal);
      return stream.response;
    });
    render(<App />);

    await user.type(input(), 'Tell me a story{Enter}');
    stream.write(sse('delta', { text: 'Once upon' }));
    await within(log()).findByText('Once upon');
    await user.click(screen.getByRole('button', { name: 'Stop' }));

    expect(signal?.aborted).toBe(true);
    expect(
      await within(log()).findByText('Stopped before the end.'),
    ).toBeInTheDocument();
    expect(within(log()).getByText('Once upon')).toBeInTheDocument();
    expect(input()).toHaveFocus();
  });

  it('loads the stored conversation after a reload and can retry its failure', async () => {
    const user = userEvent.setup();
    window.localStorage.setItem('chat.conversationId', CONVERSATION);
    const fetchMock = backend(() => answer('Answer at last'), {
      [`/chat/conversations/${CONVERSATION}`]: () =>
        jsonResponse({
          conversation_id: CONVERSATION,
          messages: [
            { role: 'user', content: 'Earlier question', status: 'complete' },
            { role: 'assistant', content: 'Half', status: 'partial' },
            { role: 'user', content: 'Last question', status: 'complete' },
            {
              role: 'assistant',
              content: '',
              status: 'failed',
              error: 'The LLM endpoint timed out.',
            },
          ],
        }),
    });
    render(<App />);
    expect(await within(log()).findByText('Half')).toBeInTheDocument();
    expect(
      within(log()).getByText('Stopped before the end.'),
    ).toBeInTheDocument();
    expect(
      within(log()).getByText('The LLM endpoint timed out.'),
    ).toBeInTheDocument();

    await user.click(within(log()).getByRole('button', { name: 'Retry' }));
    expect(
      await within(log()).findByText('Answer at last'),
    ).toBeInTheDocument();
    const retried = fetchMock.mock.calls.find(
      ([url]) => url === '/chat/stream',
    );
    expect(JSON.parse(String(retried?.[1]?.body))).toEqual({
      message: 'Last question',
      conversation_id: CONVERSATION,
    });
  });

  it('starts fresh, quietly, when the stored conversation is unknown', async () => {
    window.localStorage.setItem('chat.conversationId', CONVERSATION);
    const fetchMock = backend(() => answer('x'));
    render(<App />);
    await waitFor(() =>
      expect(window.localStorage.getItem('chat.conversationId')).toBeNull(),
    );
    expect(fetchMock).toHaveBeenCalledWith(
      `/chat/conversations/${CONVERSATION}`,
      expect.anything(),
    );
    expect(screen.queryByRole('alert')).toBeNull();
    expect(within(log()).getByText(/Ask a question/)).toBeInTheDocument();
  });

  it('says when the history cannot be loaded and retries', async () => {
    const user = userEvent.setup();
    window.localStorage.setItem('chat.conversationId', CONVERSATION);
    const history = [
      () => new Response('down', { status: 503 }),
      () =>
        jsonResponse({
          conversation_id: CONVERSATION,
          messages: [
            { role: 'user', content: 'Back again', status: 'complete' },
          ],
        }),
    ];
    backend(() => answer('x'), {
      [`/chat/conversations/${CONVERSATION}`]: () => history.shift()!(),
    });
    render(<App />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'The earlier conversation could not be loaded. The chat service is not available right now.',
    );
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await within(log()).findByText('Back again')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('clears the conversation on New chat', async () => {
    const user = userEvent.setup();
    backend(() => answer('First answer'));
    render(<App />);
    await user.type(input(), 'Hi{Enter}');
    await within(log()).findByText('First answer');

    await user.click(screen.getByRole('button', { name: 'New chat' }));
    expect(within(log()).queryByText('First answer')).toBeNull();
    expect(window.localStorage.getItem('chat.conversationId')).toBeNull();
    expect(input()).toHaveFocus();
  });
});

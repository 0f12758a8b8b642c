import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { App } from '@/app';
import { inLog, input } from '@/testing/app-screen';
import { fakeBackend, jsonResponse } from '@/testing/fake-backend';

const complete = { status: 'complete', error: '' } as const;

function openInUrl(id: string) {
  window.history.replaceState(null, '', `/?c=${id}`);
}

describe('A reloaded conversation', () => {
  it('keeps the real label and Retry of cut-off and failed answers', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    const id = fake.create('Story', [
      { role: 'user', content: 'Earlier question', ...complete },
      {
        role: 'assistant',
        content: 'Half',
        status: 'partial',
        error: 'The model stopped answering. Try again.',
      },
      { role: 'user', content: 'Last question', ...complete },
      {
        role: 'assistant',
        content: '',
        status: 'failed',
        error: 'The model did not answer in time. Try again.',
      },
    ]);
    openInUrl(id);
    render(<App />);

    expect(await inLog().findByText('Half')).toBeInTheDocument();
    expect(
      inLog().getByText('The model stopped answering. Try again.'),
    ).toBeInTheDocument();
    expect(inLog().queryByText('Stopped before the end.')).toBeNull();
    expect(
      inLog().getByText('The model did not answer in time. Try again.'),
    ).toBeInTheDocument();
    expect(inLog().getAllByRole('button', { name: 'Retry' })).toHaveLength(2);

    const retries = inLog().getAllByRole('button', { name: 'Retry' });
    await user.click(retries[1]);
    expect(
      await inLog().findByText('Answer to: Last question'),
    ).toBeInTheDocument();
    expect(fake.chatBodies()).toEqual([{ conversation_id: id, regenerate: 4 }]);
    expect(inLog().getAllByText('Last question')).toHaveLength(1);
  });

  it('offers Retry for a question left unanswered by a crash', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    const id = fake.create('Crash', [
      { role: 'user', content: 'Before the crash', ...complete },
    ]);
    openInUrl(id);
    render(<App />);

    expect(
      await inLog().findByText('This question has no answer.'),
    ).toBeInTheDocument();
    await user.click(inLog().getByRole('button', { name: 'Retry' }));
    expect(
      await inLog().findByText('Answer to: Before the crash'),
    ).toBeInTheDocument();
    expect(fake.chatBodies()).toEqual([{ conversation_id: id, regenerate: 1 }]);
  });

  it('starts fresh and says so when the conversation is unknown', async () => {
    const fake = fakeBackend();
    openInUrl('00000000-0000-4000-8000-00000000dead');
    render(<App />);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'That conversation was not found.',
    );
    expect(window.location.search).toBe('');
    expect(inLog().getByText(/Ask a question/)).toBeInTheDocument();
    expect(fake.fetchMock).toHaveBeenCalledWith(
      '/chat/conversations/00000000-0000-4000-8000-00000000dead',
      expect.anything(),
    );
  });

  it('says when the history cannot be loaded, without the empty hint, and retries', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    const id = fake.create('Back', [
      { role: 'user', content: 'Back again', ...complete },
    ]);
    let failures = 1;
    fake.override((url) =>
      url === `/chat/conversations/${id}` && failures-- > 0
        ? new Response('down', { status: 503 })
        : undefined,
    );
    openInUrl(id);
    render(<App />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'The earlier conversation could not be loaded. The chat service is not available right now.',
    );
    expect(inLog().queryByText(/Ask a question/)).toBeNull();
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await inLog().findByText('Back again')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('keeps a message sent before the history arrived, after the history', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    const id = fake.create('Slow', [
      { role: 'user', content: 'Stored question', ...complete },
      { role: 'assistant', content: 'Stored answer', ...complete },
    ]);
    const release = fake.hold(`/chat/conversations/${id}`);
    openInUrl(id);
    render(<App />);

    await user.type(input(), 'Quick one{Enter}');
    expect(inLog().getByText('Quick one')).toBeInTheDocument();
    expect(fake.chatBodies()).toEqual([]);

    release();
    expect(
      await inLog().findByText('Answer to: Quick one'),
    ).toBeInTheDocument();
    const texts = [...document.querySelectorAll('.message')].map(
      (node) => node.querySelector('.message-text, .markdown')?.textContent,
    );
    expect(texts).toEqual([
      'Stored question',
      'Stored answer',
      'Quick one',
      'Answer to: Quick one',
    ]);
    expect(fake.chatBodies()).toEqual([
      { conversation_id: id, message: 'Quick one' },
    ]);
  });

  it('shows a broken stream as cut off and then what the server kept', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    fake.reply((r) => {
      r.delta('Partial');
      r.cut();
    });
    render(<App />);
    await user.type(input(), 'Will it crash?{Enter}');
    expect(
      await inLog().findByText(
        'The answer was cut off before it finished. Try again.',
      ),
    ).toBeInTheDocument();
    // Nothing more was stored, so the question is shown unanswered.
    expect(
      await inLog().findByText('This question has no answer.', undefined, {
        timeout: 5000,
      }),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Check your connection/)).toBeNull();
    await user.click(inLog().getByRole('button', { name: 'Retry' }));
    expect(
      await inLog().findByText('Answer to: Will it crash?'),
    ).toBeInTheDocument();
    const [id] = fake.conversations.keys();
    expect(fake.chatBodies()).toEqual([
      { message: 'Will it crash?' },
      { conversation_id: id, regenerate: 1 },
    ]);
  });

  it('retries a request that never reached the service by sending it once', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    let down = true;
    fake.override((url) =>
      url === '/chat/stream' && down
        ? jsonResponse({ error: 'Too many requests. Wait a minute.' }, 429)
        : undefined,
    );
    render(<App />);
    await user.type(input(), 'Hello{Enter}');
    expect(
      await inLog().findByText('Too many requests. Wait a minute.'),
    ).toBeInTheDocument();
    down = false;
    await user.click(inLog().getByRole('button', { name: 'Retry' }));
    expect(await inLog().findByText('Answer to: Hello')).toBeInTheDocument();
    await waitFor(() => expect(inLog().getAllByText('Hello')).toHaveLength(1));
    expect(fake.chatBodies()).toEqual([
      { message: 'Hello' },
      { message: 'Hello' },
    ]);
  });
});

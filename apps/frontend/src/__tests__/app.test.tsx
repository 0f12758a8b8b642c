import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { App } from '@/app';
import { inLog, input, log, sidebar } from '@/testing/app-screen';
import { fakeBackend, type FakeReply } from '@/testing/fake-backend';

const conversationInUrl = () =>
  new URLSearchParams(window.location.search).get('c');

describe('App', () => {
  it('shows the friendly model name, the demo banner and focuses the input', async () => {
    fakeBackend({ model: 'hosted_vllm/meta-llama/Llama-3.1-8B', demo: true });
    render(<App />);
    expect(await screen.findByText('Llama-3.1-8B')).toBeInTheDocument();
    expect(screen.queryByText(/hosted_vllm/)).toBeNull();
    expect(screen.getByText(/Demo mode/)).toBeInTheDocument();
    expect(log()).toHaveAttribute('aria-live', 'polite');
    expect(input()).toHaveFocus();
  });

  it('shows a waiting indicator until the first token, then the answer', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    let reply!: FakeReply;
    fake.reply((r) => (reply = r));
    render(<App />);

    await user.type(input(), 'Hello?{Enter}');
    expect(inLog().getByText('Hello?')).toBeInTheDocument();
    expect(await inLog().findByText(/Waiting for the answer/)).toBeVisible();

    reply.delta('**Hi** the');
    expect(await inLog().findByText('Hi')).toBeInTheDocument();
    expect(inLog().queryByText(/Waiting for the answer/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeInTheDocument();

    reply.delta('re');
    reply.done();
    expect(await inLog().findByText(/there/)).toBeInTheDocument();
    expect(
      await screen.findByRole('button', { name: 'Send' }),
    ).toBeInTheDocument();
    expect(input()).toHaveFocus();
  });

  it('keeps the conversation in the address, the page title and the list', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    render(<App />);
    await user.type(input(), 'Soup recipes{Enter}');
    await inLog().findByText('Answer to: Soup recipes');

    const [id] = fake.conversations.keys();
    expect(conversationInUrl()).toBe(id);
    expect(document.title).toBe('Soup recipes – Chat');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(
      'Soup recipes',
    );
    expect(
      await sidebar().findByRole('link', { name: 'Soup recipes' }),
    ).toHaveAttribute('aria-current', 'page');
    expect(window.localStorage.length).toBe(0);
  });

  it('sends the conversation id with the next message', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    render(<App />);
    await user.type(input(), 'one{Enter}');
    await inLog().findByText('Answer to: one');
    await user.type(input(), 'two{Enter}');
    await inLog().findByText('Answer to: two');
    const [id] = fake.conversations.keys();
    expect(fake.chatBodies()).toEqual([
      { message: 'one' },
      { message: 'two', conversation_id: id },
    ]);
  });

  it('keeps what is typed while an answer runs: Enter does not drop it', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    fake.reply(() => undefined);
    render(<App />);
    await user.type(input(), 'first{Enter}');
    await user.type(input(), 'second{Enter}');
    expect(input()).toHaveValue('second');
    expect(inLog().queryByText('second')).toBeNull();
    expect(fake.chatBodies()).toHaveLength(1);
  });

  it('stops the answer and then shows the text the server stored', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    let reply!: FakeReply;
    fake.reply((r) => (reply = r));
    render(<App />);

    await user.type(input(), 'Tell me a story{Enter}');
    await inLog().findByText(/Waiting/);
    reply.delta('Once upon');
    await inLog().findByText('Once upon');
    reply.arrive(' a time');
    await user.click(screen.getByRole('button', { name: 'Stop' }));

    expect(await inLog().findByText('Once upon a time')).toBeInTheDocument();
    expect(
      inLog().getByText('The answer was stopped before it was complete.'),
    ).toBeInTheDocument();
    expect(
      inLog().getByRole('button', { name: 'Continue' }),
    ).toBeInTheDocument();
    expect(input()).toHaveFocus();
  });

  it('keeps an over-long message in the box with its length and the reason', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    render(<App />);
    const long = 'x'.repeat(16_432);
    await user.click(input());
    await user.paste(long);
    expect(screen.getByText('16,432 characters')).toBeInTheDocument();
    await user.keyboard('{Enter}');

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Your message is 16,432 characters long; the limit is 16,000. Shorten it and send again.',
    );
    expect(input()).toHaveValue(long);
    expect(screen.getByText('16,432 characters')).toBeInTheDocument();
    expect(inLog().queryByText(long)).toBeNull();
    expect(fake.conversations.size).toBe(0);
    await user.type(input(), '{Backspace}');
    expect(screen.getByText('16,431 characters')).toBeInTheDocument();
  });

  it('brings the new message into view when sending while scrolled up', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    fake.create('Long talk', [
      { role: 'user', content: 'Old question', status: 'complete', error: '' },
      {
        role: 'assistant',
        content: 'Old answer',
        status: 'complete',
        error: '',
      },
    ]);
    window.history.replaceState(
      null,
      '',
      `/?c=${[...fake.conversations.keys()][0]}`,
    );
    render(<App />);
    await inLog().findByText('Old answer');
    let scrollTop = 0;
    Object.defineProperties(log(), {
      scrollHeight: { get: () => 5000 },
      clientHeight: { get: () => 500 },
      scrollTop: { get: () => scrollTop, set: (v: number) => (scrollTop = v) },
    });

    scrollTop = 4500;
    fireEvent.scroll(log());
    expect(screen.queryByRole('button', { name: /Jump to latest/ })).toBeNull();
    scrollTop = 100;
    fireEvent.scroll(log());
    const jump = await screen.findByRole('button', {
      name: 'Jump to latest ↓',
    });
    await user.click(jump);
    expect(scrollTop).toBe(5000);
    fireEvent.scroll(log());
    await waitFor(() => expect(jump).not.toBeInTheDocument());

    scrollTop = 100;
    fireEvent.scroll(log());
    await screen.findByRole('button', { name: 'Jump to latest ↓' });
    await user.type(input(), 'New question{Enter}');
    await inLog().findByText('Answer to: New question');
    expect(scrollTop).toBe(5000);
  });
});

import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { App } from '@/app';
import { inLog, input, sidebar } from '@/testing/app-screen';
import { CSRF_TOKEN, fakeBackend } from '@/testing/fake-backend';

const complete = { status: 'complete', error: '' } as const;

function withConversations() {
  const fake = fakeBackend();
  const older = fake.create('Older trip', [
    { role: 'user', content: 'Plan a trip', ...complete },
    { role: 'assistant', content: 'Go to Lyon.', ...complete },
  ]);
  const newer = fake.create('Newer soup', [
    { role: 'user', content: 'Soup?', ...complete },
    { role: 'assistant', content: 'Leek soup.', ...complete },
  ]);
  render(<App />);
  return { fake, older, newer };
}

const titles = () =>
  sidebar()
    .getAllByRole('listitem')
    .map((item) => item.querySelector('a')?.textContent);

describe('The conversation list', () => {
  it('lists titles newest first and switches between them', async () => {
    const user = userEvent.setup();
    const { newer, older } = withConversations();
    await sidebar().findByRole('link', { name: 'Older trip' });
    expect(titles()).toEqual(['Newer soup', 'Older trip']);

    await user.click(sidebar().getByRole('link', { name: 'Older trip' }));
    expect(await inLog().findByText('Go to Lyon.')).toBeVisible();
    expect(window.location.search).toBe(`?c=${older}`);
    expect(document.title).toBe('Older trip – Chat');

    await user.click(sidebar().getByRole('link', { name: 'Newer soup' }));
    expect(await inLog().findByText('Leek soup.')).toBeVisible();
    expect(inLog().queryByText('Go to Lyon.')).toBeNull();

    act(() => window.history.back());
    expect(await inLog().findByText('Go to Lyon.')).toBeVisible();
    expect(window.location.search).toBe(`?c=${older}`);
    expect(newer).not.toBe(older);
  });

  it('keeps the previous conversation after New chat', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    render(<App />);
    await user.type(input(), 'Remember me{Enter}');
    await inLog().findByText('Answer to: Remember me');

    await user.click(sidebar().getByRole('button', { name: 'New chat' }));
    expect(inLog().queryByText('Remember me')).toBeNull();
    expect(inLog().getByText(/Ask a question/)).toBeVisible();
    expect(window.location.search).toBe('');
    expect(input()).toHaveFocus();

    await user.click(sidebar().getByRole('link', { name: 'Remember me' }));
    expect(
      await inLog().findByText('Answer to: Remember me'),
    ).toBeInTheDocument();
    expect(fake.conversations.size).toBe(1);
  });

  it('renames inline: Enter saves, the header follows, a blank title is refused', async () => {
    const user = userEvent.setup();
    const { fake, newer } = withConversations();
    await user.click(
      await sidebar().findByRole('link', { name: 'Newer soup' }),
    );
    await user.click(
      sidebar().getByRole('button', { name: 'Rename Newer soup' }),
    );
    const field = sidebar().getByRole('textbox', {
      name: 'Conversation title',
    });
    expect(field).toHaveFocus();

    await user.clear(field);
    await user.type(field, '   {Enter}');
    expect(await sidebar().findByRole('alert')).toHaveTextContent(
      'A title needs 1 to 200 characters.',
    );
    await user.clear(field);
    await user.type(field, 'Leek soup ideas{Enter}');
    expect(
      await sidebar().findByRole('link', { name: 'Leek soup ideas' }),
    ).toBeVisible();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(
      'Leek soup ideas',
    );
    expect(document.title).toBe('Leek soup ideas – Chat');
    expect(fake.conversations.get(newer)?.title).toBe('Leek soup ideas');
  });

  it('leaves the title alone when renaming is cancelled with Escape', async () => {
    const user = userEvent.setup();
    const { fake } = withConversations();
    await user.click(
      await sidebar().findByRole('button', { name: 'Rename Older trip' }),
    );
    await user.type(
      sidebar().getByRole('textbox', { name: 'Conversation title' }),
      ' changed{Escape}',
    );
    expect(sidebar().getByRole('link', { name: 'Older trip' })).toBeVisible();
    const patches = fake.fetchMock.mock.calls.filter(
      ([, init]) => init?.method === 'PATCH',
    );
    expect(patches).toEqual([]);
  });

  it('deletes only after confirmation, and a deleted open chat becomes a new one', async () => {
    const user = userEvent.setup();
    const { fake, newer } = withConversations();
    await user.click(
      await sidebar().findByRole('link', { name: 'Newer soup' }),
    );
    await inLog().findByText('Leek soup.');

    await user.click(
      sidebar().getByRole('button', { name: 'Delete Newer soup' }),
    );
    await user.click(sidebar().getByRole('button', { name: 'Cancel' }));
    expect(fake.conversations.has(newer)).toBe(true);

    await user.click(
      sidebar().getByRole('button', { name: 'Delete Newer soup' }),
    );
    expect(
      sidebar().getByText(/Delete “Newer soup” and its messages\?/),
    ).toBeVisible();
    await user.click(sidebar().getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(titles()).toEqual(['Older trip']));
    expect(fake.conversations.has(newer)).toBe(false);
    expect(inLog().queryByText('Leek soup.')).toBeNull();
    expect(window.location.search).toBe('');
  });

  it('searches by title on the server', async () => {
    const user = userEvent.setup();
    const { fake } = withConversations();
    await sidebar().findByRole('link', { name: 'Older trip' });
    await user.type(
      sidebar().getByRole('searchbox', { name: 'Search conversations' }),
      'TRIP',
    );
    await waitFor(() => expect(titles()).toEqual(['Older trip']));
    expect(fake.fetchMock).toHaveBeenCalledWith(
      '/chat/conversations?q=TRIP',
      expect.anything(),
    );
    await user.type(
      sidebar().getByRole('searchbox', { name: 'Search conversations' }),
      'x',
    );
    expect(
      await sidebar().findByText('No conversation has that title.'),
    ).toBeVisible();
  });

  it('opens as a drawer from the menu button and closes when a chat is chosen', async () => {
    const user = userEvent.setup();
    withConversations();
    const menu = screen.getByRole('button', { name: 'Conversations' });
    expect(menu).toHaveAttribute('aria-expanded', 'false');
    await user.click(menu);
    expect(menu).toHaveAttribute('aria-expanded', 'true');
    await user.click(
      await sidebar().findByRole('link', { name: 'Older trip' }),
    );
    expect(menu).toHaveAttribute('aria-expanded', 'false');
  });

  it('sends the CSRF token with every state change', async () => {
    const user = userEvent.setup();
    const { fake } = withConversations();
    await user.type(input(), 'Hello{Enter}');
    await inLog().findByText('Answer to: Hello');
    await user.click(sidebar().getByRole('button', { name: 'Rename Hello' }));
    await user.type(
      sidebar().getByRole('textbox', { name: 'Conversation title' }),
      '!{Enter}',
    );
    await sidebar().findByRole('link', { name: 'Hello!' });
    await user.click(sidebar().getByRole('button', { name: 'Delete Hello!' }));
    await user.click(sidebar().getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(fake.conversations.size).toBe(2));

    const changes = fake.fetchMock.mock.calls
      .filter(([, init]) => (init?.method ?? 'GET') !== 'GET')
      .map(([, init]) => [
        init?.method,
        new Headers(init?.headers).get('X-CSRFToken'),
      ]);
    expect(changes).toEqual([
      ['POST', CSRF_TOKEN],
      ['PATCH', CSRF_TOKEN],
      ['DELETE', CSRF_TOKEN],
    ]);
  });
});

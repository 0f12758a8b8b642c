import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { App } from '@/app';
import { inLog, input, sidebar } from '@/testing/app-screen';
import {
  fakeBackend,
  jsonResponse,
  loginRedirect,
} from '@/testing/fake-backend';

const SIGN_IN = { error: 'Sign in to chat.' };

describe('Signed-in user', () => {
  it('shows who is signed in and a Sign out link', async () => {
    fakeBackend({ user: 'alice' });
    render(<App />);
    expect(await sidebar().findByText('alice')).toBeInTheDocument();
    expect(sidebar().getByText(/Signed in as/)).toHaveTextContent(
      'Signed in as alice',
    );
    expect(sidebar().getByRole('link', { name: 'Sign out' })).toHaveAttribute(
      'href',
      '/oauth/sign_out',
    );
  });

  it('shows no user and no Sign out in a run without sign-in', async () => {
    const fake = fakeBackend();
    render(<App />);
    await sidebar().findByText('No conversations yet.');
    const asked = fake.fetchMock.mock.calls.map(([url]) => String(url));
    expect(asked).toContain('/chat/session');
    expect(screen.queryByText(/Signed in as/)).toBeNull();
    expect(screen.queryByRole('link', { name: 'Sign out' })).toBeNull();
  });

  it('asks to sign in when the backend answers 401, keeping the question', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend({ user: 'alice' });
    render(<App />);
    await sidebar().findByText('alice');
    fake.override((url) =>
      url === '/chat/stream' ? jsonResponse(SIGN_IN, 401) : undefined,
    );

    await user.type(input(), 'Still there?{Enter}');

    const notice = await screen.findByText('You are signed out.');
    const signIn = screen.getByRole('link', { name: 'Sign in' });
    expect(signIn).toHaveAttribute('href', window.location.href);
    expect(notice.closest('[role="alert"]')).toContainElement(signIn);
    expect(inLog().getByText('Still there?')).toBeInTheDocument();
    expect(await inLog().findByText('Sign in to chat.')).toBeInTheDocument();
    expect(screen.queryByText(/Signed in as/)).toBeNull();
  });

  it("asks to sign in when the proxy redirects to the cluster's login", async () => {
    const fake = fakeBackend();
    fake.override((url) =>
      url.startsWith('/chat/conversations') ? loginRedirect() : undefined,
    );
    render(<App />);
    expect(
      await screen.findByRole('link', { name: 'Sign in' }),
    ).toBeInTheDocument();
    expect(sidebar().getByRole('alert')).toHaveTextContent('Sign in to chat.');
  });
});

describe('Budgets', () => {
  it("shows the server's 429 message under the question, which Retry sends again", async () => {
    const user = userEvent.setup();
    const fake = fakeBackend({ user: 'bob' });
    const spent =
      'You have used your 20,000 tokens for today. The budget resets at 00:00 UTC.';
    let refused = true;
    fake.override((url) =>
      url === '/chat/stream' && refused
        ? jsonResponse({ error: spent }, 429)
        : undefined,
    );
    render(<App />);

    await user.type(input(), 'One more question{Enter}');

    expect(await inLog().findByText(spent)).toBeInTheDocument();
    expect(inLog().getByText('One more question')).toBeInTheDocument();
    expect(screen.queryByText('You are signed out.')).toBeNull();
    refused = false;
    await user.click(inLog().getByRole('button', { name: 'Retry' }));
    expect(
      await inLog().findByText('Answer to: One more question'),
    ).toBeInTheDocument();
  });
});

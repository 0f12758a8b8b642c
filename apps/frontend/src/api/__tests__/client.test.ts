import { ApiError, apiFetch, onSignedOut } from '@/api/client';
import { jsonResponse, loginRedirect, stubFetch } from '@/testing/fake-backend';

const sent = (init: RequestInit | undefined) =>
  new Headers(init?.headers).get('X-CSRFToken');

describe('apiFetch', () => {
  it('sends the csrftoken cookie as X-CSRFToken on every state change', async () => {
    document.cookie = 'csrftoken=abc%3D1';
    const fetchMock = stubFetch(() => jsonResponse({}));
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      await apiFetch('/chat/conversations/c1', { method });
    }
    await apiFetch('/chat/conversations');
    expect(fetchMock.mock.calls.map(([, init]) => sent(init))).toEqual([
      'abc=1',
      'abc=1',
      'abc=1',
      null,
    ]);
  });

  it('gets the cookies from the conversation list first, once, in a new browser', async () => {
    const fetchMock = stubFetch((url) => {
      if (url === '/chat/conversations') document.cookie = 'csrftoken=fresh';
      return jsonResponse({ conversations: [] });
    });
    await Promise.all([
      apiFetch('/chat/stream', { method: 'POST' }),
      apiFetch('/chat/conversations/c1'),
    ]);
    const calls = fetchMock.mock.calls.map(([url, init]) => [url, sent(init)]);
    expect(calls[0]).toEqual(['/chat/conversations', null]);
    expect(calls.slice(1)).toEqual(
      expect.arrayContaining([
        ['/chat/stream', 'fresh'],
        ['/chat/conversations/c1', null],
      ]),
    );
    expect(calls).toHaveLength(3);
  });

  it('does not wait for cookies to ask /health', async () => {
    const fetchMock = stubFetch(() => jsonResponse({}));
    await apiFetch('/health');
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual(['/health']);
  });

  it('tells the listeners when nobody is signed in, and only then', async () => {
    const signedOut = vi.fn();
    const stop = onSignedOut(signedOut);
    const answers: Record<string, () => Response> = {
      '/health': () => jsonResponse({ error: 'Sign in to chat.' }, 401),
      '/csrf': () => jsonResponse({ error: 'The page is out of date.' }, 403),
      '/proxy': () => loginRedirect(),
    };
    const fetchMock = stubFetch((url) => answers[url]());
    const failure = (path: string) =>
      apiFetch(path).catch((error: ApiError) => [error.status, error.message]);

    expect(await failure('/health')).toEqual([401, 'Sign in to chat.']);
    expect(signedOut).toHaveBeenCalledTimes(1);
    expect(await failure('/csrf')).toEqual([403, 'The page is out of date.']);
    expect(signedOut).toHaveBeenCalledTimes(1);
    expect(await failure('/proxy')).toEqual([401, 'Sign in to chat.']);
    expect(signedOut).toHaveBeenCalledTimes(2);
    expect(fetchMock.mock.calls.map(([, init]) => init?.redirect)).toEqual([
      'manual',
      'manual',
      'manual',
    ]);
    stop();
  });
});

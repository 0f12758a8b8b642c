import { ApiError } from '@/api/client';
import {
  deleteConversation,
  fetchConversation,
  listConversations,
  renameConversation,
} from '@/api/conversations';
import { jsonResponse, stubFetch } from '@/testing/fake-backend';

beforeEach(() => {
  document.cookie = 'csrftoken=t';
});

describe('conversations API', () => {
  it('lists the conversations, searched by title', async () => {
    const fetchMock = stubFetch(() =>
      jsonResponse({
        conversations: [
          { id: 'c1', title: 'Soup', created_at: 'x', updated_at: 'y' },
        ],
      }),
    );
    expect(await listConversations('soup & bread')).toEqual([
      { id: 'c1', title: 'Soup' },
    ]);
    expect(fetchMock.mock.calls[0][0]).toBe(
      '/chat/conversations?q=soup%20%26%20bread',
    );
  });

  it('returns a conversation with its stored messages', async () => {
    const messages = [
      { id: 1, role: 'user', content: 'Hi', status: 'complete', error: '' },
    ];
    const fetchMock = stubFetch(() =>
      jsonResponse({ conversation_id: 'c1', title: 'Hi', messages }),
    );
    expect(await fetchConversation('c1')).toEqual({
      id: 'c1',
      title: 'Hi',
      messages,
    });
    expect(fetchMock.mock.calls[0][0]).toBe('/chat/conversations/c1');
  });

  it('returns null for an unknown conversation', async () => {
    stubFetch(() => jsonResponse({ error: 'Conversation not found.' }, 404));
    expect(await fetchConversation('c1')).toBeNull();
  });

  it('throws the server words for other failures', async () => {
    stubFetch(() => jsonResponse({ error: 'Database unavailable.' }, 500));
    const error = await fetchConversation('c1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('Database unavailable.');
  });

  it('renames with PATCH and deletes with DELETE', async () => {
    const fetchMock = stubFetch((_, init) =>
      init.method === 'DELETE'
        ? new Response(null, { status: 204 })
        : jsonResponse({ id: 'c1', title: 'New name' }),
    );
    expect(await renameConversation('c1', 'New name')).toEqual({
      id: 'c1',
      title: 'New name',
    });
    await deleteConversation('c1');
    expect(
      fetchMock.mock.calls.map(([url, init]) => [
        url,
        init?.method,
        init?.body,
      ]),
    ).toEqual([
      ['/chat/conversations/c1', 'PATCH', '{"title":"New name"}'],
      ['/chat/conversations/c1', 'DELETE', undefined],
    ]);
  });
});

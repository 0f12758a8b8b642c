import { ApiError, apiFetch, isRecord } from '@/api/client';

export type ConversationSummary = { id: string; title: string };

export type StoredMessage = {
  id: number;
  role: 'user' | 'assistant';
  content: string;
  status: 'complete' | 'partial' | 'failed';
  error?: string | null;
};

export type StoredConversation = {
  id: string;
  title: string;
  messages: StoredMessage[];
};

const UNREADABLE_MESSAGE =
  'The chat service sent a reply that could not be read.';
const JSON_HEADERS = {
  Accept: 'application/json',
  'Content-Type': 'application/json',
};

const conversationPath = (id: string) =>
  `/chat/conversations/${encodeURIComponent(id)}`;

/** The caller's conversations, newest activity first; `query` filters titles. */
export async function listConversations(
  query: string,
  signal?: AbortSignal,
): Promise<ConversationSummary[]> {
  const search = query === '' ? '' : `?q=${encodeURIComponent(query)}`;
  const body = await readJson(
    await apiFetch(`/chat/conversations${search}`, {
      headers: { Accept: 'application/json' },
      signal,
    }),
  );
  if (!Array.isArray(body.conversations))
    throw new ApiError(UNREADABLE_MESSAGE);
  return body.conversations.filter(isRecord).map(summaryOf);
}

/** A conversation with its messages, or null when it is unknown (or not ours). */
export async function fetchConversation(
  id: string,
  signal?: AbortSignal,
): Promise<StoredConversation | null> {
  try {
    const body = await readJson(
      await apiFetch(conversationPath(id), {
        headers: { Accept: 'application/json' },
        signal,
      }),
    );
    if (!Array.isArray(body.messages)) throw new ApiError(UNREADABLE_MESSAGE);
    return {
      id: String(body.conversation_id),
      title: typeof body.title === 'string' ? body.title : '',
      messages: body.messages as StoredMessage[],
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export async function renameConversation(
  id: string,
  title: string,
): Promise<ConversationSummary> {
  const response = await apiFetch(conversationPath(id), {
    method: 'PATCH',
    headers: JSON_HEADERS,
    body: JSON.stringify({ title }),
  });
  return summaryOf(await readJson(response));
}

export async function deleteConversation(id: string): Promise<void> {
  await apiFetch(conversationPath(id), { method: 'DELETE' });
}

function summaryOf(value: Record<string, unknown>): ConversationSummary {
  return { id: String(value.id), title: String(value.title ?? '') };
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  const body: unknown = await response.json().catch(() => null);
  if (!isRecord(body)) throw new ApiError(UNREADABLE_MESSAGE);
  return body;
}

import { ApiError, apiFetch, isRecord } from '@/api/client';
import { readSseEvents } from '@/api/sse';

export type ChatStreamEvent =
  | { type: 'start'; conversationId: string; demo: boolean }
  | { type: 'delta'; text: string }
  | { type: 'done'; conversationId: string }
  | { type: 'error'; error: string; conversationId: string | null };

export type StoredMessage = {
  role: 'user' | 'assistant';
  content: string;
  status: 'complete' | 'partial' | 'failed';
  error?: string | null;
};

const CUT_OFF_MESSAGE = 'The answer was cut off before it finished. Try again.';
const UNREADABLE_MESSAGE =
  'The chat service sent a reply that could not be read.';

/**
 * Streams one answer from POST /chat/stream. Ends after `done` or `error`;
 * aborting `signal` closes the connection, which stops the upstream call.
 */
export async function* streamChat({
  message,
  conversationId,
  signal,
}: {
  message: string;
  conversationId: string | null;
  signal: AbortSignal;
}): AsyncGenerator<ChatStreamEvent> {
  const response = await apiFetch('/chat/stream', {
    method: 'POST',
    headers: {
      Accept: 'text/event-stream',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(
      conversationId === null
        ? { message }
        : { message, conversation_id: conversationId },
    ),
    signal,
  });
  if (response.body === null) throw new ApiError(UNREADABLE_MESSAGE);
  for await (const { event, data } of readSseEvents(response.body)) {
    const parsed = toChatEvent(event, data);
    if (parsed === null) continue;
    yield parsed;
    if (parsed.type === 'done' || parsed.type === 'error') return;
  }
  throw new ApiError(CUT_OFF_MESSAGE);
}

function toChatEvent(event: string, data: string): ChatStreamEvent | null {
  const payload = parseJson(data);
  const text = (key: string) =>
    typeof payload[key] === 'string' ? (payload[key] as string) : '';
  switch (event) {
    case 'start':
      return {
        type: 'start',
        conversationId: text('conversation_id'),
        demo: payload.demo === true,
      };
    case 'delta':
      return { type: 'delta', text: text('text') };
    case 'done':
      return { type: 'done', conversationId: text('conversation_id') };
    case 'error':
      return {
        type: 'error',
        error: text('error') || 'The answer failed. Try again.',
        conversationId: text('conversation_id') || null,
      };
    default:
      return null;
  }
}

function parseJson(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    if (isRecord(value)) return value;
  } catch {
    // Reported below, in the user's words.
  }
  throw new ApiError(UNREADABLE_MESSAGE);
}

/** The stored messages of a conversation, or null when the id is unknown. */
export async function fetchConversation(
  conversationId: string,
  signal?: AbortSignal,
): Promise<StoredMessage[] | null> {
  try {
    const response = await apiFetch(
      `/chat/conversations/${encodeURIComponent(conversationId)}`,
      { headers: { Accept: 'application/json' }, signal },
    );
    const body: unknown = await response.json();
    if (!isRecord(body) || !Array.isArray(body.messages)) {
      throw new ApiError(UNREADABLE_MESSAGE);
    }
    return body.messages as StoredMessage[];
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

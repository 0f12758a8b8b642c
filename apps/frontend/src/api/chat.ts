import { ApiError, apiFetch, isAbortError, isRecord } from '@/api/client';
import { readSseEvents } from '@/api/sse';

/** The four forms of a chat request (see the README's API table). */
export type ChatRequest = { conversationId: string | null } & (
  | { message: string }
  | { regenerate: number }
  | { edit: number; message: string }
  | { continue: number }
);

export type ChatStreamEvent =
  | {
      type: 'start';
      conversationId: string;
      title: string;
      demo: boolean;
      questionId: number | null;
      answerTo: number | null;
    }
  | { type: 'delta'; text: string }
  | { type: 'done'; messageId: number | null }
  | {
      type: 'error';
      error: string;
      conversationId: string | null;
      messageId: number | null;
    };

const CUT_OFF_MESSAGE = 'The answer was cut off before it finished. Try again.';
const UNREADABLE_MESSAGE =
  'The chat service sent a reply that could not be read.';

/**
 * Streams one answer from POST /chat/stream. Ends after `done` or `error`;
 * aborting `signal` closes the connection, which stops the upstream call.
 */
export async function* streamChat(
  request: ChatRequest,
  signal: AbortSignal,
): AsyncGenerator<ChatStreamEvent> {
  const response = await apiFetch('/chat/stream', {
    method: 'POST',
    headers: {
      Accept: 'text/event-stream',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(requestBody(request)),
    signal,
  });
  if (response.body === null) throw new ApiError(UNREADABLE_MESSAGE);
  try {
    for await (const { event, data } of readSseEvents(response.body)) {
      const parsed = toChatEvent(event, data);
      if (parsed === null) continue;
      yield parsed;
      if (parsed.type === 'done' || parsed.type === 'error') return;
    }
  } catch (error) {
    // The service answered, so a broken stream is not the user's network.
    if (isAbortError(error) || error instanceof ApiError) throw error;
    throw new ApiError(CUT_OFF_MESSAGE);
  }
  throw new ApiError(CUT_OFF_MESSAGE);
}

function requestBody({ conversationId, ...form }: ChatRequest) {
  return conversationId === null
    ? form
    : { conversation_id: conversationId, ...form };
}

function toChatEvent(event: string, data: string): ChatStreamEvent | null {
  const payload = parseJson(data);
  const text = (key: string) =>
    typeof payload[key] === 'string' ? (payload[key] as string) : '';
  const id = (key: string) =>
    typeof payload[key] === 'number' ? (payload[key] as number) : null;
  switch (event) {
    case 'start':
      return {
        type: 'start',
        conversationId: text('conversation_id'),
        title: text('title'),
        demo: payload.demo === true,
        questionId: id('question_id'),
        answerTo: id('answer_to'),
      };
    case 'delta':
      return { type: 'delta', text: text('text') };
    case 'done':
      return { type: 'done', messageId: id('message_id') };
    case 'error':
      return {
        type: 'error',
        error: text('error') || 'The answer failed. Try again.',
        conversationId: text('conversation_id') || null,
        messageId: id('message_id'),
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

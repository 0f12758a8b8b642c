import type { StoredMessage } from '@/api/chat';
import { newMessageId } from '@/lib/message-id';
import type { ChatMessage } from '@/types/chat';

const STORED_STATUS = {
  complete: 'complete',
  partial: 'stopped',
  failed: 'failed',
} as const;

const STORED_FAILURE_MESSAGE = 'This answer failed.';

/** The backend's history as messages, each answer knowing its question. */
export function messagesFromHistory(stored: StoredMessage[]): ChatMessage[] {
  let question = '';
  return stored.map((message) => {
    const status = STORED_STATUS[message.status] ?? 'complete';
    if (message.role === 'user') question = message.content;
    return {
      id: newMessageId(),
      role: message.role,
      content: message.content,
      status,
      question: message.role === 'assistant' ? question : undefined,
      error:
        status === 'failed'
          ? message.error || STORED_FAILURE_MESSAGE
          : undefined,
    };
  });
}

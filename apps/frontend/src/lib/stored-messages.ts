import type { StoredMessage } from '@/api/conversations';
import { newMessageKey } from '@/lib/message-key';
import type { ChatMessage } from '@/types/chat';

const STORED_FAILURE_MESSAGE = 'This answer failed. Try again.';

/** The backend's messages as shown: each keeps its id, status and error. */
export function messagesFromHistory(stored: StoredMessage[]): ChatMessage[] {
  return stored.map((message) => ({
    key: newMessageKey(),
    id: message.id,
    role: message.role,
    content: message.content,
    status: message.role === 'user' ? 'complete' : message.status,
    error:
      message.status === 'failed'
        ? message.error || STORED_FAILURE_MESSAGE
        : message.error || undefined,
  }));
}

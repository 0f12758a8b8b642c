import { useEffect, useRef } from 'react';

import { MessageItem } from '@/components/message-item';
import type { ChatMessage } from '@/types/chat';

type MessageListProps = {
  messages: ChatMessage[];
  busy: boolean;
  onRetry: (message: ChatMessage) => void;
};

// How close to the bottom (px) still counts as "following" the answer.
const FOLLOW_THRESHOLD = 80;

export function MessageList({ messages, busy, onRetry }: MessageListProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  useEffect(() => {
    const list = listRef.current;
    if (list !== null && following.current) list.scrollTop = list.scrollHeight;
  }, [messages]);

  const onScroll = () => {
    const list = listRef.current;
    if (list === null) return;
    following.current =
      list.scrollHeight - list.scrollTop - list.clientHeight < FOLLOW_THRESHOLD;
  };

  const last = messages.at(-1);

  return (
    <div
      ref={listRef}
      className="message-list"
      role="log"
      aria-live="polite"
      aria-label="Conversation"
      aria-busy={busy}
      onScroll={onScroll}
    >
      {messages.length === 0 ? (
        <p className="empty-state">Ask a question to start the conversation.</p>
      ) : (
        messages.map((message) => (
          <MessageItem
            key={message.id}
            message={message}
            canRetry={!busy && message === last}
            onRetry={onRetry}
          />
        ))
      )}
    </div>
  );
}

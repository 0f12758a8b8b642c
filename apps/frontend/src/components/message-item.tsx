import { memo } from 'react';

import { Markdown } from '@/components/markdown';
import type { ChatMessage } from '@/types/chat';

type MessageItemProps = {
  message: ChatMessage;
  canRetry: boolean;
  onRetry: (message: ChatMessage) => void;
};

// Memoised: while an answer streams, only that message gets new props, so
// the finished messages above it are not rendered again on every token.
export const MessageItem = memo(function MessageItem({
  message,
  canRetry,
  onRetry,
}: MessageItemProps) {
  const fromUser = message.role === 'user';

  return (
    <div className={`message message-${message.role}`}>
      <span className="visually-hidden">
        {fromUser ? 'You:' : 'Assistant:'}
      </span>
      {fromUser ? (
        <p className="message-text">{message.content}</p>
      ) : (
        message.content !== '' && <Markdown text={message.content} />
      )}
      {message.status === 'waiting' && (
        <p className="message-waiting">
          <span className="dots" aria-hidden="true" />
          Waiting for the answer…
        </p>
      )}
      {message.status === 'stopped' && (
        <p className="message-note">Stopped before the end.</p>
      )}
      {message.status === 'failed' && (
        <div className="message-error">
          <p>{message.error}</p>
          {canRetry && (
            <button type="button" onClick={() => onRetry(message)}>
              Retry
            </button>
          )}
        </div>
      )}
    </div>
  );
});

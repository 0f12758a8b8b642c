import { memo } from 'react';

import { CopyButton } from '@/components/copy-button';
import { Markdown } from '@/components/markdown';
import type { ChatMessage } from '@/types/chat';

export type MessageActions = {
  onRetry: (message: ChatMessage) => void;
  onRegenerate: (message: ChatMessage) => void;
  onContinue: (message: ChatMessage) => void;
  onEdit: (message: ChatMessage) => void;
};

type MessageItemProps = {
  message: ChatMessage;
  /** The last message of the conversation. */
  last: boolean;
  /** No answer is running, so actions may start one. */
  idle: boolean;
  actions: MessageActions;
};

const STOPPED_MESSAGE = 'Stopped before the end.';
const UNANSWERED_MESSAGE = 'This question has no answer.';

// Memoised: while an answer streams, only that message gets new props, so
// the finished messages above it are not rendered again on every token.
export const MessageItem = memo(function MessageItem({
  message,
  last,
  idle,
  actions,
}: MessageItemProps) {
  const { role, content, status, id } = message;
  const stored = id !== null;
  const unanswered = role === 'user' && last && idle && stored;

  return (
    <div className={`message message-${role}`}>
      <span className="visually-hidden">
        {role === 'user' ? 'You:' : 'Assistant:'}
      </span>
      {role === 'user' ? (
        <p className="message-text">{content}</p>
      ) : (
        content !== '' && <Markdown text={content} />
      )}
      {status === 'waiting' && (
        <p className="message-waiting">
          <span className="dots" aria-hidden="true" />
          Waiting for the answer…
        </p>
      )}
      {status === 'partial' && (
        <p className="message-note">{message.error || STOPPED_MESSAGE}</p>
      )}
      {(status === 'failed' || unanswered) && (
        <p className="message-error">{message.error || UNANSWERED_MESSAGE}</p>
      )}
      {idle && (
        <div className="message-actions">
          {role === 'assistant' && content !== '' && (
            <CopyButton text={content} label="Copy answer" />
          )}
          {role === 'user' && stored && (
            <button type="button" onClick={() => actions.onEdit(message)}>
              Edit
            </button>
          )}
          {status === 'partial' && last && stored && content !== '' && (
            <button type="button" onClick={() => actions.onContinue(message)}>
              Continue
            </button>
          )}
          {role === 'assistant' && status === 'complete' && stored && (
            <button type="button" onClick={() => actions.onRegenerate(message)}>
              Regenerate
            </button>
          )}
          {(unanswered ||
            ((status === 'partial' || status === 'failed') &&
              (stored || last))) && (
            <button type="button" onClick={() => actions.onRetry(message)}>
              Retry
            </button>
          )}
        </div>
      )}
    </div>
  );
});

import { useEffect, useLayoutEffect, useRef, useState } from 'react';

import { MessageItem, type MessageActions } from '@/components/message-item';
import type { ChatMessage } from '@/types/chat';

type MessageListProps = {
  messages: ChatMessage[];
  busy: boolean;
  /** Counts the turns started: each one brings the newest message into view. */
  turns: number;
  actions: MessageActions;
  /** Shown when there are no messages. */
  placeholder: string | null;
};

// How close to the bottom (px) still counts as "following" the answer.
const FOLLOW_THRESHOLD = 80;

export function MessageList({
  messages,
  busy,
  turns,
  actions,
  placeholder,
}: MessageListProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const lastTop = useRef(0);
  const [scrolledUp, setScrolledUp] = useState(false);

  const toBottom = () => {
    following.current = true;
    const list = listRef.current;
    if (list !== null) list.scrollTop = list.scrollHeight;
  };

  // A new turn is what the user is looking for, wherever they had scrolled.
  useEffect(toBottom, [turns]);

  // Before the paint: no scroll event may see the new text not yet followed.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list !== null && following.current) list.scrollTop = list.scrollHeight;
  }, [messages]);

  // Only the reader scrolls up; growing text and following it scroll down.
  const onScroll = () => {
    const list = listRef.current;
    if (list === null) return;
    const nearBottom =
      list.scrollHeight - list.scrollTop - list.clientHeight < FOLLOW_THRESHOLD;
    following.current =
      nearBottom || (following.current && list.scrollTop >= lastTop.current);
    lastTop.current = list.scrollTop;
    setScrolledUp(!following.current);
  };

  return (
    <div className="message-list-frame">
      <div
        ref={listRef}
        className="message-list"
        role="log"
        aria-live="polite"
        aria-label="Conversation"
        aria-busy={busy}
        onScroll={onScroll}
      >
        {messages.length === 0
          ? placeholder && <p className="empty-state">{placeholder}</p>
          : messages.map((message, index) => (
              <MessageItem
                key={message.key}
                message={message}
                last={index === messages.length - 1}
                idle={!busy}
                actions={actions}
              />
            ))}
      </div>
      {scrolledUp && (
        <button type="button" className="jump-to-latest" onClick={toBottom}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}

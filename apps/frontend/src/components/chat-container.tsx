import { useCallback, useRef } from 'react';

import type { Health } from '@/api/health';
import { ChatHeader } from '@/components/chat-header';
import { MessageInput } from '@/components/message-input';
import { MessageList } from '@/components/message-list';
import { useChat } from '@/hooks/use-chat';
import type { ChatMessage } from '@/types/chat';

export function ChatContainer({ health }: { health: Health | null }) {
  const chat = useChat();
  const { send, stop, retry, newChat, reloadHistory } = chat;
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const focusInput = () => inputRef.current?.focus();

  const onRetry = useCallback(
    (message: ChatMessage) => {
      retry(message);
      inputRef.current?.focus();
    },
    [retry],
  );

  return (
    <div className="chat">
      <ChatHeader
        health={health}
        onNewChat={() => {
          newChat();
          focusInput();
        }}
      />
      <main className="chat-main">
        {chat.historyError && (
          <div className="history-error" role="alert">
            <p>{chat.historyError}</p>
            <button type="button" onClick={reloadHistory}>
              Retry
            </button>
          </div>
        )}
        <MessageList
          messages={chat.messages}
          busy={chat.busy}
          onRetry={onRetry}
        />
        <MessageInput
          ref={inputRef}
          busy={chat.busy}
          onSend={(text) => {
            send(text);
            focusInput();
          }}
          onStop={() => {
            stop();
            focusInput();
          }}
        />
      </main>
    </div>
  );
}

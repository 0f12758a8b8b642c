import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import type { Health } from '@/api/health';
import { Account } from '@/components/account';
import { ChatHeader } from '@/components/chat-header';
import { ConversationSidebar } from '@/components/conversation-sidebar';
import { MessageInput } from '@/components/message-input';
import { MessageList } from '@/components/message-list';
import type { MessageActions } from '@/components/message-item';
import { SignInNotice } from '@/components/sign-in-notice';
import { useChat } from '@/hooks/use-chat';
import { useConversations } from '@/hooks/use-conversations';
import type { SessionState } from '@/hooks/use-session';
import type { ChatMessage } from '@/types/chat';

const EMPTY_HINT = 'Ask a question to start the conversation.';

type ChatContainerProps = { health: Health | null; session: SessionState };

export function ChatContainer({ health, session }: ChatContainerProps) {
  const conversations = useConversations();
  const [draft, setDraft] = useState('');
  const [editing, setEditing] = useState<ChatMessage | null>(null);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const focusInput = useCallback(() => inputRef.current?.focus(), []);

  const chat = useChat({
    onActivity: conversations.refresh,
    onRefused: (text, edited) => {
      setDraft((current) => (current.trim() === '' ? text : current));
      setEditing(edited);
      focusInput();
    },
  });
  const { open, retry, regenerate, continueAnswer } = chat;

  const listed = conversations.items?.find((c) => c.id === chat.conversationId);
  const title = listed?.title ?? chat.title;

  useEffect(focusInput, [focusInput]);
  useEffect(() => {
    document.title = title ? `${title} – Chat` : 'Chat';
  }, [title]);

  const show = (id: string | null) => {
    open(id);
    setEditing(null);
    setDrawerOpen(false);
    focusInput();
  };

  const actions = useMemo<MessageActions>(
    () => ({
      onRetry: (message) => {
        void retry(message);
        focusInput();
      },
      onRegenerate: (message) => {
        regenerate(message);
        focusInput();
      },
      onContinue: (message) => {
        continueAnswer(message);
        focusInput();
      },
      onEdit: (message) => {
        setEditing(message);
        setDraft(message.content);
        focusInput();
      },
    }),
    [retry, regenerate, continueAnswer, focusInput],
  );

  const onSend = () => {
    const sent = editing ? chat.edit(editing, draft) : chat.send(draft);
    if (sent) {
      setDraft('');
      setEditing(null);
    }
    focusInput();
  };

  return (
    <div className="app">
      <ConversationSidebar
        items={conversations.items}
        error={conversations.error}
        query={conversations.query}
        currentId={chat.conversationId}
        open={drawerOpen}
        onQuery={conversations.setQuery}
        onOpen={show}
        onNewChat={() => show(null)}
        onClose={() => setDrawerOpen(false)}
        onRename={async (id, newTitle) => {
          const renamed = await conversations.rename(id, newTitle);
          if (id === chat.conversationId) chat.renamed(renamed.title);
        }}
        onDelete={async (id) => {
          await conversations.remove(id);
          if (id === chat.conversationId) show(null);
        }}
        footer={<Account session={session} />}
      />
      <div className="chat">
        <ChatHeader
          title={title}
          health={health}
          menuOpen={drawerOpen}
          onMenu={() => setDrawerOpen((isOpen) => !isOpen)}
          onNewChat={() => show(null)}
        />
        <main className="chat-main">
          {session.signedOut && <SignInNotice />}
          {chat.historyError && (
            <div className="history-error" role="alert">
              <p>{chat.historyError}</p>
              <button type="button" onClick={chat.reloadHistory}>
                Retry
              </button>
            </div>
          )}
          <MessageList
            messages={chat.messages}
            busy={chat.phase !== 'idle'}
            turns={chat.turns}
            actions={actions}
            placeholder={chat.loading || chat.historyError ? null : EMPTY_HINT}
          />
          {chat.notice && (
            <p className="notice" role="alert">
              {chat.notice}
            </p>
          )}
          <MessageInput
            ref={inputRef}
            value={draft}
            phase={chat.phase}
            editing={editing !== null}
            onChange={setDraft}
            onSend={onSend}
            onStop={() => {
              chat.stop();
              focusInput();
            }}
            onCancelEdit={() => {
              setEditing(null);
              setDraft('');
              focusInput();
            }}
          />
        </main>
      </div>
    </div>
  );
}

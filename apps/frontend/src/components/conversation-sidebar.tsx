import { useEffect, useRef, type ReactNode } from 'react';

import type { ConversationSummary } from '@/api/conversations';
import { ConversationItem } from '@/components/conversation-item';

type ConversationSidebarProps = {
  items: ConversationSummary[] | null;
  error: string | null;
  query: string;
  currentId: string | null;
  open: boolean;
  onQuery: (query: string) => void;
  onOpen: (id: string) => void;
  onNewChat: () => void;
  onClose: () => void;
  onRename: (id: string, title: string) => Promise<unknown>;
  onDelete: (id: string) => Promise<unknown>;
  /** Shown under the list (who is signed in). */
  footer: ReactNode;
};

/** The conversation list: a column on wide screens, a drawer on phones. */
export function ConversationSidebar({
  items,
  error,
  query,
  currentId,
  open,
  onQuery,
  onOpen,
  onNewChat,
  onClose,
  onRename,
  onDelete,
  footer,
}: ConversationSidebarProps) {
  const empty = items !== null && items.length === 0;
  const searchRef = useRef<HTMLInputElement>(null);

  // The drawer takes the focus, so Escape and Tab work inside it at once.
  useEffect(() => {
    if (open) searchRef.current?.focus();
  }, [open]);

  return (
    <>
      {open && (
        <div
          className="sidebar-backdrop"
          aria-hidden="true"
          onClick={onClose}
        />
      )}
      <aside
        id="conversations"
        className={open ? 'sidebar open' : 'sidebar'}
        aria-label="Conversations"
        onKeyDown={(event) => event.key === 'Escape' && onClose()}
      >
        <div className="sidebar-top">
          <button type="button" className="new-chat" onClick={onNewChat}>
            New chat
          </button>
          <button
            type="button"
            className="sidebar-close"
            aria-label="Close the conversation list"
            onClick={onClose}
          >
            ×
          </button>
        </div>
        <input
          ref={searchRef}
          type="search"
          className="sidebar-search"
          aria-label="Search conversations"
          placeholder="Search titles"
          value={query}
          onChange={(event) => onQuery(event.target.value)}
        />
        {error && (
          <p className="sidebar-note" role="alert">
            {error}
          </p>
        )}
        {empty && (
          <p className="sidebar-note">
            {query.trim()
              ? 'No conversation has that title.'
              : 'No conversations yet.'}
          </p>
        )}
        <ul className="conversation-list">
          {items?.map((conversation) => (
            <ConversationItem
              key={conversation.id}
              conversation={conversation}
              current={conversation.id === currentId}
              onOpen={onOpen}
              onRename={onRename}
              onDelete={onDelete}
            />
          ))}
        </ul>
        {footer}
      </aside>
    </>
  );
}

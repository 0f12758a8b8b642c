import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';

import { ApiError } from '@/api/client';
import type { ConversationSummary } from '@/api/conversations';

type ConversationItemProps = {
  conversation: ConversationSummary;
  current: boolean;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => Promise<unknown>;
  onDelete: (id: string) => Promise<unknown>;
};

type Mode = 'view' | 'rename' | 'confirm-delete';

export function ConversationItem({
  conversation,
  current,
  onOpen,
  onRename,
  onDelete,
}: ConversationItemProps) {
  const { id, title } = conversation;
  const [mode, setMode] = useState<Mode>('view');
  const [draft, setDraft] = useState(title);
  const [error, setError] = useState<string | null>(null);
  // Set once the title is saved or abandoned: the blur that follows when
  // the field goes away must not save it (again).
  const settled = useRef(false);

  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setMode('view');
      setError(null);
    } catch (failure) {
      settled.current = false;
      setError(
        failure instanceof ApiError ? failure.message : 'That did not work.',
      );
    }
  };

  const saveTitle = (event?: FormEvent) => {
    event?.preventDefault();
    if (settled.current) return;
    settled.current = true;
    if (draft.trim() === title) setMode('view');
    else void act(() => onRename(id, draft));
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    settled.current = true;
    setMode('view');
    setError(null);
  };

  return (
    <li className={current ? 'conversation-item current' : 'conversation-item'}>
      {mode === 'rename' ? (
        <form onSubmit={saveTitle}>
          <input
            aria-label="Conversation title"
            value={draft}
            autoFocus
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={onKeyDown}
            onBlur={() => saveTitle()}
          />
        </form>
      ) : (
        <a
          href={`?c=${encodeURIComponent(id)}`}
          aria-current={current ? 'page' : undefined}
          onClick={(event) => {
            if (event.ctrlKey || event.metaKey || event.shiftKey) return;
            event.preventDefault();
            onOpen(id);
          }}
        >
          {title}
        </a>
      )}
      {mode === 'view' && (
        <span className="conversation-actions">
          <button
            type="button"
            aria-label={`Rename ${title}`}
            onClick={() => {
              setDraft(title);
              settled.current = false;
              setMode('rename');
            }}
          >
            Rename
          </button>
          <button
            type="button"
            aria-label={`Delete ${title}`}
            onClick={() => setMode('confirm-delete')}
          >
            Delete
          </button>
        </span>
      )}
      {mode === 'confirm-delete' && (
        <div className="conversation-confirm" role="group" aria-label="Confirm">
          <p>Delete “{title}” and its messages?</p>
          <button
            type="button"
            className="danger"
            autoFocus
            onClick={() => void act(() => onDelete(id))}
          >
            Delete
          </button>
          <button type="button" onClick={() => setMode('view')}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <p className="conversation-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

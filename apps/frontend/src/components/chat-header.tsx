import type { Health } from '@/api/health';
import { friendlyModelName } from '@/lib/model-name';

type ChatHeaderProps = {
  title: string;
  health: Health | null;
  menuOpen: boolean;
  onMenu: () => void;
  onNewChat: () => void;
};

export function ChatHeader({
  title,
  health,
  menuOpen,
  onMenu,
  onNewChat,
}: ChatHeaderProps) {
  return (
    <header className="chat-header">
      <div className="chat-header-bar">
        <button
          type="button"
          className="menu-button"
          aria-label="Conversations"
          aria-controls="conversations"
          aria-expanded={menuOpen}
          onClick={onMenu}
        >
          ☰
        </button>
        <h1>{title || 'New chat'}</h1>
        {health?.model && (
          <p className="model-name" title={health.model}>
            <span className="visually-hidden">Model: </span>
            {friendlyModelName(health.model)}
          </p>
        )}
        <button type="button" className="new-chat" onClick={onNewChat}>
          New chat
        </button>
      </div>
      {health?.demo && (
        <p className="demo-banner">
          Demo mode: no language model is connected, answers are canned.
        </p>
      )}
    </header>
  );
}

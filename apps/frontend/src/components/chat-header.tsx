import type { Health } from '@/api/health';

type ChatHeaderProps = { health: Health | null; onNewChat: () => void };

export function ChatHeader({ health, onNewChat }: ChatHeaderProps) {
  return (
    <header className="chat-header">
      <div className="chat-header-bar">
        <h1>Chat</h1>
        {health?.model && (
          <p className="model-name">
            <span className="visually-hidden">Model: </span>
            {health.model}
          </p>
        )}
        <button type="button" onClick={onNewChat}>
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

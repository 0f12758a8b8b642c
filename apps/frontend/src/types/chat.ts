export type Role = 'user' | 'assistant';

/**
 * `waiting`: sent, no token yet; `streaming`: tokens arriving; `stopped`: the
 * user pressed Stop (or the server kept only part); `failed`: carries `error`.
 */
export type MessageStatus =
  'waiting' | 'streaming' | 'complete' | 'stopped' | 'failed';

export type ChatMessage = {
  id: string;
  role: Role;
  content: string;
  status: MessageStatus;
  error?: string;
  /** On answers: the user message it answers, sent again by Retry. */
  question?: string;
};

export type Role = 'user' | 'assistant';

/**
 * `waiting`: sent, no token yet; `streaming`: tokens arriving; `partial`:
 * stopped or cut off, some text kept; `failed`: no answer, carries `error`.
 * A partial answer carries `error` when it was cut off rather than stopped.
 */
export type MessageStatus =
  'waiting' | 'streaming' | 'complete' | 'partial' | 'failed';

export type ChatMessage = {
  /** React key, unique within the page. */
  key: string;
  /** The stored message's id, null until the server has named it. */
  id: number | null;
  role: Role;
  content: string;
  status: MessageStatus;
  error?: string;
};

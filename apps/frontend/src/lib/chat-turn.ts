import type { ChatRequest } from '@/api/chat';
import { newMessageKey } from '@/lib/message-key';
import type { ChatMessage } from '@/types/chat';

/** What the user asked for: one request to POST /chat/stream. */
export type Turn =
  | { kind: 'message'; text: string }
  | { kind: 'regenerate'; target: ChatMessage }
  | { kind: 'edit'; target: ChatMessage; text: string }
  | { kind: 'continue'; target: ChatMessage };

export type PlacedTurn = {
  /** The messages as shown while the answer streams. */
  place: (messages: ChatMessage[]) => ChatMessage[];
  /** The answer that receives the text. */
  answerKey: string;
  /** The question sent with this turn, named by the `start` event. */
  questionKey: string | null;
};

const message = (fields: Partial<ChatMessage>): ChatMessage => ({
  key: newMessageKey(),
  id: null,
  role: 'assistant',
  content: '',
  status: 'waiting',
  ...fields,
});

/**
 * The screen mirrors what the server does: a regenerated answer or an edited
 * question replaces the old one and everything after it.
 */
export function placeTurn(turn: Turn): PlacedTurn {
  const answer = message({});
  const question =
    turn.kind === 'message' || turn.kind === 'edit'
      ? message({ role: 'user', content: turn.text, status: 'complete' })
      : null;
  const upTo = (messages: ChatMessage[], key: string, keep: boolean) =>
    messages.slice(
      0,
      messages.findIndex((m) => m.key === key) + (keep ? 1 : 0),
    );

  switch (turn.kind) {
    case 'message':
      return {
        place: (all) => [...all, question!, answer],
        answerKey: answer.key,
        questionKey: question!.key,
      };
    case 'edit':
      return {
        place: (all) => [
          ...upTo(all, turn.target.key, false),
          question!,
          answer,
        ],
        answerKey: answer.key,
        questionKey: question!.key,
      };
    case 'regenerate':
      return {
        // An unanswered question stays; an answer goes.
        place: (all) => [
          ...upTo(all, turn.target.key, turn.target.role === 'user'),
          answer,
        ],
        answerKey: answer.key,
        questionKey: null,
      };
    case 'continue':
      return {
        place: (all) =>
          all.map((m) =>
            m.key === turn.target.key
              ? { ...m, status: 'streaming', error: undefined }
              : m,
          ),
        answerKey: turn.target.key,
        questionKey: null,
      };
  }
}

export function requestOf(
  turn: Turn,
  conversationId: string | null,
): ChatRequest {
  switch (turn.kind) {
    case 'message':
      return { conversationId, message: turn.text };
    case 'edit':
      return { conversationId, edit: turn.target.id!, message: turn.text };
    case 'regenerate':
      return { conversationId, regenerate: turn.target.id! };
    case 'continue':
      return { conversationId, continue: turn.target.id! };
  }
}

/** The text a turn sends, given back to the input when the server refuses it. */
export function textOf(turn: Turn): string | null {
  return turn.kind === 'message' || turn.kind === 'edit' ? turn.text : null;
}

/**
 * The stored message to regenerate when `question` is the last one asked:
 * the question itself if it has no answer, its failed or partial answer, or
 * null when the question was never stored.
 */
export function unansweredTurn(
  stored: ChatMessage[],
  question: string,
): ChatMessage | null {
  const last = stored.at(-1);
  if (last?.role === 'user') return last.content === question ? last : null;
  const asked = stored.at(-2);
  return last && last.status !== 'complete' && asked?.content === question
    ? last
    : null;
}

import {
  fetchConversation,
  type StoredConversation,
} from '@/api/conversations';

// The server stores an interrupted answer once it notices the closed
// connection, a moment after the browser closed it.
const DELAYS_MS = [0, 200, 400, 800, 1200];

const sleep = (ms: number) =>
  new Promise((resolve) => window.setTimeout(resolve, ms));

/**
 * The conversation once the interrupted answer is stored: the answer to
 * question `answerTo` (or message `continues`), holding at least the `shown`
 * text. If that does not happen (a crashed backend stores nothing more),
 * the last version read; null when none could be read.
 */
export async function settledConversation(
  id: string,
  target: { answerTo: number | null; continues: number | null; shown: string },
): Promise<StoredConversation | null> {
  let stored: StoredConversation | null = null;
  for (const delay of DELAYS_MS) {
    await sleep(delay);
    stored = await fetchConversation(id).catch(() => null);
    if (stored === null) return null;
    const answer = stored.messages.find((m) =>
      target.continues !== null
        ? m.id === target.continues
        : m.role === 'assistant' && m.id > (target.answerTo ?? Infinity),
    );
    if (answer !== undefined && answer.content.length >= target.shown.length) {
      return stored;
    }
  }
  return stored;
}

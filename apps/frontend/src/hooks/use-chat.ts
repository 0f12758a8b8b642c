import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';

import { streamChat } from '@/api/chat';
import { ApiError, UNREACHABLE_MESSAGE } from '@/api/client';
import { fetchConversation } from '@/api/conversations';
import {
  placeTurn,
  requestOf,
  textOf,
  unansweredTurn,
  type Turn,
} from '@/lib/chat-turn';
import {
  readConversationUrl,
  writeConversationUrl,
} from '@/lib/conversation-url';
import { messagesFromHistory } from '@/lib/stored-messages';
import { settledConversation } from '@/lib/settled-conversation';
import type { ChatMessage } from '@/types/chat';

const HISTORY_FAILED_MESSAGE = 'The earlier conversation could not be loaded.';
const NOT_FOUND_MESSAGE =
  'That conversation was not found. It may have been deleted. A new chat is open.';

export function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : UNREACHABLE_MESSAGE;
}

/** `idle`; `streaming` (Stop stops it); `settling`: reading what was stored. */
export type ChatPhase = 'idle' | 'streaming' | 'settling';

type ChatOptions = {
  /** A conversation was created, answered or retitled. */
  onActivity: () => void;
  /**
   * The server refused a turn before storing anything: the text goes back
   * to the input (with the question being edited, if any).
   */
  onRefused: (text: string, edited: ChatMessage | null) => void;
};

/** The open conversation: its messages, the running answer, the actions. */
export function useChat({ onActivity, onRefused }: ChatOptions) {
  const [conversationId, setConversationId] = useState(readConversationUrl);
  const [title, setTitle] = useState('');
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [phase, setPhase] = useState<ChatPhase>('idle');
  const [loading, setLoading] = useState(false);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [turns, setTurns] = useState(0);

  // Read by async code, which must see the latest value, not a closure's.
  const current = useRef({ conversationId, messages });
  useLayoutEffect(() => {
    current.current.messages = messages;
  }, [messages]);
  const generation = useRef(0);
  const running = useRef<AbortController | null>(null);
  const history = useRef<Promise<unknown>>(Promise.resolve());
  const options = useRef({ onActivity, onRefused });
  useEffect(() => {
    options.current = { onActivity, onRefused };
  });

  const name = useCallback((id: string | null, replace: boolean) => {
    current.current.conversationId = id;
    setConversationId(id);
    writeConversationUrl(id, replace);
  }, []);

  const update = useCallback(
    (key: string, change: (message: ChatMessage) => ChatMessage) =>
      setMessages((all) => all.map((m) => (m.key === key ? change(m) : m))),
    [],
  );

  /** Shows conversation `id` (null: a new chat), stopping any answer. */
  const open = useCallback(
    (id: string | null, { push = true } = {}) => {
      generation.current += 1;
      const ownGeneration = generation.current;
      running.current?.abort();
      running.current = null;
      name(id, !push);
      setTitle('');
      setMessages([]);
      setPhase('idle');
      setNotice(null);
      setHistoryError(null);
      if (id === null) {
        history.current = Promise.resolve();
        setLoading(false);
        return () => undefined;
      }
      const controller = new AbortController();
      const live = () =>
        generation.current === ownGeneration && !controller.signal.aborted;
      setLoading(true);
      // A message sent meanwhile waits for this, then follows the history.
      history.current = fetchConversation(id, controller.signal)
        .then((stored) => {
          if (!live()) return;
          if (stored === null) {
            name(null, true);
            setNotice(NOT_FOUND_MESSAGE);
            return;
          }
          setTitle(stored.title);
          setMessages((sent) => [
            ...messagesFromHistory(stored.messages),
            ...sent,
          ]);
        })
        .catch((error: unknown) => {
          if (live()) {
            setHistoryError(`${HISTORY_FAILED_MESSAGE} ${errorText(error)}`);
          }
        })
        .finally(() => {
          if (live()) setLoading(false);
        });
      return () => controller.abort();
    },
    [name],
  );

  useEffect(() => {
    const cancel = open(readConversationUrl(), { push: false });
    const onPopState = () => open(readConversationUrl(), { push: false });
    window.addEventListener('popstate', onPopState);
    return () => {
      window.removeEventListener('popstate', onPopState);
      cancel();
    };
  }, [open]);

  const run = useCallback(
    async (turn: Turn): Promise<void> => {
      const controller = new AbortController();
      running.current = controller;
      const ownGeneration = generation.current;
      const live = () => generation.current === ownGeneration;
      const { place, answerKey, questionKey } = placeTurn(turn);
      let before: ChatMessage[] = [];
      setMessages((all) => {
        before = all;
        return place(all);
      });
      setPhase('streaming');
      setNotice(null);
      setTurns((n) => n + 1);
      let shown = turn.kind === 'continue' ? turn.target.content : '';
      let answerTo: number | null = null;
      let started = false;
      try {
        await history.current;
        if (!live()) return;
        const request = requestOf(turn, current.current.conversationId);
        for await (const event of streamChat(request, controller.signal)) {
          if (!live()) return;
          if (event.type === 'start') {
            started = true;
            answerTo = event.answerTo;
            if (event.conversationId !== current.current.conversationId) {
              name(event.conversationId, true);
            }
            setTitle(event.title);
            if (questionKey !== null) {
              const id = event.questionId;
              update(questionKey, (m) => ({ ...m, id }));
            }
            options.current.onActivity();
          } else if (event.type === 'delta') {
            shown += event.text;
            update(answerKey, (m) => ({
              ...m,
              status: 'streaming',
              content: m.content + event.text,
            }));
          } else if (event.type === 'done') {
            update(answerKey, (m) => ({
              ...m,
              id: event.messageId,
              status: 'complete',
              error: undefined,
            }));
          } else {
            update(answerKey, (m) => ({
              ...m,
              id: event.messageId ?? m.id,
              status: m.content === '' ? 'failed' : 'partial',
              error: event.error,
            }));
          }
        }
      } catch (error) {
        if (!live()) return;
        const text = textOf(turn);
        if (!started && error instanceof ApiError && error.status === 400) {
          // Refused before anything was stored: the screen goes back too.
          setMessages(before);
          setNotice(error.message);
          if (text !== null) {
            const edited = turn.kind === 'edit' ? turn.target : null;
            options.current.onRefused(text, edited);
          }
          return;
        }
        const stopped = controller.signal.aborted;
        update(answerKey, (m) =>
          stopped
            ? { ...m, status: 'partial', error: undefined }
            : { ...m, status: 'failed', error: errorText(error) },
        );
        const id = current.current.conversationId;
        if (started && id !== null) {
          // The server stores what reached it, which may be more than what
          // reached the screen: show the stored version.
          setPhase('settling');
          const stored = await settledConversation(id, {
            answerTo,
            continues: turn.kind === 'continue' ? turn.target.id : null,
            shown,
          });
          if (stored !== null && live()) {
            setMessages(messagesFromHistory(stored.messages));
          }
        }
      } finally {
        if (running.current === controller) running.current = null;
        if (live()) {
          setPhase('idle');
          options.current.onActivity();
        }
      }
    },
    [name, update],
  );

  /** Starts `turn` unless an answer runs; false means nothing was sent. */
  const start = useCallback(
    (turn: Turn): boolean => {
      if (running.current !== null) return false;
      void run(turn);
      return true;
    },
    [run],
  );

  const send = useCallback(
    (text: string) => {
      const message = text.trim();
      return message !== '' && start({ kind: 'message', text: message });
    },
    [start],
  );

  const edit = useCallback(
    (target: ChatMessage, text: string) => {
      const message = text.trim();
      return message !== '' && start({ kind: 'edit', target, text: message });
    },
    [start],
  );

  const regenerate = useCallback(
    (target: ChatMessage) => start({ kind: 'regenerate', target }),
    [start],
  );

  const continueAnswer = useCallback(
    (target: ChatMessage) => start({ kind: 'continue', target }),
    [start],
  );

  /**
   * Retry of a failed answer. A stored one is regenerated; one the server
   * never named (the request or the connection failed) is looked up first,
   * so that its question is answered again rather than stored twice.
   */
  const retry = useCallback(
    async (failed: ChatMessage): Promise<boolean> => {
      if (failed.id !== null) return regenerate(failed);
      const all = current.current.messages;
      const index = all.findIndex((m) => m.key === failed.key);
      const question = all[index - 1];
      if (running.current !== null || question?.role !== 'user') return false;
      const id = current.current.conversationId;
      let stored = all.slice(0, index - 1);
      if (id !== null) {
        try {
          const conversation = await fetchConversation(id);
          if (conversation === null) name(null, true);
          stored = messagesFromHistory(conversation?.messages ?? []);
        } catch (error) {
          update(failed.key, (m) => ({ ...m, error: errorText(error) }));
          return false;
        }
      }
      setMessages(stored);
      const target = unansweredTurn(stored, question.content);
      return target === null
        ? start({ kind: 'message', text: question.content })
        : start({ kind: 'regenerate', target });
    },
    [name, regenerate, start, update],
  );

  const stop = useCallback(() => running.current?.abort(), []);

  return {
    conversationId,
    title,
    messages,
    phase,
    loading,
    historyError,
    notice,
    turns,
    open,
    renamed: setTitle,
    reloadHistory: () => open(current.current.conversationId, { push: false }),
    send,
    edit,
    regenerate,
    continueAnswer,
    retry,
    stop,
  };
}

import { useCallback, useEffect, useRef, useState } from 'react';

import { fetchConversation, streamChat } from '@/api/chat';
import { ApiError, UNREACHABLE_MESSAGE } from '@/api/client';
import {
  clearConversationId,
  loadConversationId,
  saveConversationId,
} from '@/lib/conversation-id';
import { newMessageId } from '@/lib/message-id';
import { messagesFromHistory } from '@/lib/stored-messages';
import type { ChatMessage } from '@/types/chat';

const HISTORY_FAILED_MESSAGE = 'The earlier conversation could not be loaded.';
function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : UNREACHABLE_MESSAGE;
}

/** The conversation: its messages, the running answer and the user's actions. */
export function useChat() {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const [historyAttempt, setHistoryAttempt] = useState(0);
  const conversationId = useRef<string | null>(loadConversationId());
  const running = useRef<AbortController | null>(null);

  const busy = messages.some(
    (m) => m.status === 'waiting' || m.status === 'streaming',
  );

  useEffect(() => {
    const id = conversationId.current;
    if (id === null) return;
    const controller = new AbortController();
    fetchConversation(id, controller.signal)
      .then((stored) => {
        setHistoryError(null);
        if (stored === null) {
          // Unknown on the server (database reset, other backend): start over.
          conversationId.current = null;
          clearConversationId();
          return;
        }
        setMessages(messagesFromHistory(stored));
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setHistoryError(`${HISTORY_FAILED_MESSAGE} ${errorText(error)}`);
      });
    return () => controller.abort();
  }, [historyAttempt]);

  const update = useCallback(
    (id: string, change: (message: ChatMessage) => ChatMessage) =>
      setMessages((all) => all.map((m) => (m.id === id ? change(m) : m))),
    [],
  );

  const rememberConversation = useCallback((id: string | null) => {
    if (!id) return;
    conversationId.current = id;
    saveConversationId(id);
  }, []);

  const answer = useCallback(
    async (text: string, assistantId: string) => {
      const controller = new AbortController();
      running.current = controller;
      try {
        const events = streamChat({
          message: text,
          conversationId: conversationId.current,
          signal: controller.signal,
        });
        for await (const event of events) {
          if (event.type === 'start' || event.type === 'done') {
            rememberConversation(event.conversationId);
          }
          if (event.type === 'delta') {
            update(assistantId, (m) => ({
              ...m,
              status: 'streaming',
              content: m.content + event.text,
            }));
          } else if (event.type === 'done') {
            update(assistantId, (m) => ({ ...m, status: 'complete' }));
          } else if (event.type === 'error') {
            rememberConversation(event.conversationId);
            update(assistantId, (m) => ({
              ...m,
              status: 'failed',
              error: event.error,
            }));
          }
        }
      } catch (error) {
        update(assistantId, (m) =>
          controller.signal.aborted
            ? { ...m, status: 'stopped' }
            : { ...m, status: 'failed', error: errorText(error) },
        );
      } finally {
        if (running.current === controller) running.current = null;
      }
    },
    [rememberConversation, update],
  );

  const send = useCallback(
    (text: string) => {
      const message = text.trim();
      if (message === '' || running.current !== null) return;
      const assistantId = newMessageId();
      setMessages((all) => [
        ...all,
        {
          id: newMessageId(),
          role: 'user',
          content: message,
          status: 'complete',
        },
        {
          id: assistantId,
          role: 'assistant',
          content: '',
          status: 'waiting',
          question: message,
        },
      ]);
      void answer(message, assistantId);
    },
    [answer],
  );

  const retry = useCallback(
    (failed: ChatMessage) => {
      const question = failed.question;
      if (running.current !== null || !question) return;
      const retryId = newMessageId();
      setMessages((all) =>
        all.map((m) =>
          m.id === failed.id
            ? {
                ...m,
                id: retryId,
                content: '',
                status: 'waiting',
                error: undefined,
              }
            : m,
        ),
      );
      void answer(question, retryId);
    },
    [answer],
  );

  const stop = useCallback(() => running.current?.abort(), []);

  const newChat = useCallback(() => {
    running.current?.abort();
    running.current = null;
    conversationId.current = null;
    clearConversationId();
    setMessages([]);
    setHistoryError(null);
  }, []);

  const reloadHistory = useCallback(() => setHistoryAttempt((n) => n + 1), []);

  return {
    messages,
    busy,
    historyError,
    send,
    retry,
    stop,
    newChat,
    reloadHistory,
  };
}

import { useCallback, useEffect, useState } from 'react';

import {
  deleteConversation,
  listConversations,
  renameConversation,
  type ConversationSummary,
} from '@/api/conversations';
import { errorText } from '@/hooks/use-chat';

// Typing in the search box asks the server once the typing pauses.
const SEARCH_DELAY_MS = 250;
const LIST_FAILED_MESSAGE = 'The conversation list could not be loaded.';

/** The caller's conversations (searched by title), with rename and delete. */
export function useConversations() {
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<ConversationSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const timer = window.setTimeout(
      () =>
        listConversations(query.trim(), controller.signal).then(
          (found) => {
            setItems(found);
            setError(null);
          },
          (failure: unknown) => {
            if (controller.signal.aborted) return;
            setError(`${LIST_FAILED_MESSAGE} ${errorText(failure)}`);
          },
        ),
      query === '' ? 0 : SEARCH_DELAY_MS,
    );
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [query, version]);

  const refresh = useCallback(() => setVersion((n) => n + 1), []);

  /** Throws an ApiError with the server's words when the title is refused. */
  const rename = useCallback(async (id: string, title: string) => {
    const renamed = await renameConversation(id, title);
    setItems((all) => all && all.map((c) => (c.id === id ? renamed : c)));
    return renamed;
  }, []);

  const remove = useCallback(async (id: string) => {
    await deleteConversation(id);
    setItems((all) => all && all.filter((c) => c.id !== id));
  }, []);

  return { items, query, setQuery, error, refresh, rename, remove };
}

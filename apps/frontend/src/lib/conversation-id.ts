const STORAGE_KEY = 'chat.conversationId';

// Storage can throw (disabled cookies, private modes); the chat then simply
// forgets the conversation on reload.
export function loadConversationId(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveConversationId(id: string): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, id);
  } catch {
    // See above.
  }
}

export function clearConversationId(): void {
  try {
    window.localStorage.removeItem(STORAGE_KEY);
  } catch {
    // See above.
  }
}

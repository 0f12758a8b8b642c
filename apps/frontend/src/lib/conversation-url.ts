// The open conversation lives in the address (`/?c=<id>`), so each tab has
// its own, Back returns to the previous one and a link reopens it. A query
// string works with every server: `/` is the bundle behind Django and nginx.
const PARAM = 'c';

export function readConversationUrl(): string | null {
  return new URLSearchParams(window.location.search).get(PARAM) || null;
}

/** Shows `id` in the address; `replace` when it names what is on screen. */
export function writeConversationUrl(id: string | null, replace: boolean) {
  const url = new URL(window.location.href);
  if (id === null) url.searchParams.delete(PARAM);
  else url.searchParams.set(PARAM, id);
  if (url.href === window.location.href) return;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
}

import { apiFetch, isRecord } from '@/api/client';

/** Who is signed in (through the cluster's login), and where to sign out. */
export type Session = { user: string | null; signOutUrl: string | null };

const text = (value: unknown) =>
  typeof value === 'string' && value !== '' ? value : null;

/** GET /chat/session: both null when nobody is signed in (a local run). */
export async function fetchSession(signal?: AbortSignal): Promise<Session> {
  const response = await apiFetch('/chat/session', {
    headers: { Accept: 'application/json' },
    signal,
  });
  const body: unknown = await response.json();
  if (!isRecord(body)) return { user: null, signOutUrl: null };
  return { user: text(body.user), signOutUrl: text(body.sign_out_url) };
}

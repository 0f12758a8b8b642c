import { useEffect, useState } from 'react';

import { onSignedOut } from '@/api/client';
import { fetchSession, type Session } from '@/api/session';

export type SessionState = Session & {
  /** A request found nobody signed in: signing in again is the way on. */
  signedOut: boolean;
};

const NOBODY: Session = { user: null, signOutUrl: null };

/** The signed-in user (if any) and whether the sign-in has ended. */
export function useSession(): SessionState {
  const [session, setSession] = useState<Session>(NOBODY);
  const [signedOut, setSignedOut] = useState(false);

  useEffect(() => onSignedOut(() => setSignedOut(true)), []);

  useEffect(() => {
    const controller = new AbortController();
    fetchSession(controller.signal)
      .then(setSession)
      .catch(() => setSession(NOBODY));
    return () => controller.abort();
  }, []);

  return { ...session, signedOut };
}

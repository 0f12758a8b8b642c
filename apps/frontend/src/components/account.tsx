import type { SessionState } from '@/hooks/use-session';

/** Who is signed in, with the way out; nothing in a run without sign-in. */
export function Account({ session }: { session: SessionState }) {
  if (session.user === null || session.signedOut) return null;
  return (
    <div className="account">
      <p className="account-user" title={session.user}>
        Signed in as <strong>{session.user}</strong>
      </p>
      {session.signOutUrl && (
        <a className="sign-out" href={session.signOutUrl}>
          Sign out
        </a>
      )}
    </div>
  );
}

/**
 * Shown once a request finds nobody signed in. Loading the page again goes
 * through the sign-in proxy, which sends the browser to the login first.
 */
export function SignInNotice() {
  return (
    <div className="sign-in-notice" role="alert">
      <p>You are signed out.</p>
      <a href={window.location.href}>Sign in</a>
    </div>
  );
}

import { env } from '@/config/env';

/** A failed call to the backend, carrying a message fit to show the user. */
export class ApiError extends Error {
  readonly status: number | null;

  constructor(message: string, status: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export const UNREACHABLE_MESSAGE =
  'The chat service could not be reached. Check your connection and try again.';
const UNAVAILABLE_MESSAGE =
  'The chat service is not available right now. Try again in a moment.';
const FAILED_MESSAGE =
  'Something went wrong in the chat service. Try again in a moment.';
export const SIGN_IN_MESSAGE = 'Sign in to chat.';

const UNSAFE_METHODS = ['POST', 'PATCH', 'PUT', 'DELETE'];
const CSRF_COOKIE = 'csrftoken';
// Sets the owner and CSRF cookies (the backend's ensure_csrf_cookie).
const SESSION_PATH = '/chat/conversations';

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * `fetch` against the backend that turns every failure into an ApiError.
 * Requests that change state carry Django's CSRF token in `X-CSRFToken`.
 */
export async function apiFetch(
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (path.startsWith('/chat')) await sessionReady();
  if (UNSAFE_METHODS.includes(init.method ?? 'GET')) {
    headers.set('X-CSRFToken', readCookie(CSRF_COOKIE) ?? '');
  }
  let response: Response;
  try {
    // The API never redirects; the sign-in proxy does, to the login page.
    response = await fetch(`${env.apiBaseUrl}${path}`, {
      ...init,
      headers,
      redirect: 'manual',
    });
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new ApiError(UNREACHABLE_MESSAGE);
  }
  if (signInRequired(response)) {
    signedOutListeners.forEach((listener) => listener());
    throw new ApiError((await serverError(response)) ?? SIGN_IN_MESSAGE, 401);
  }
  if (!response.ok) {
    throw new ApiError(await errorMessage(response), response.status);
  }
  return response;
}

const signedOutListeners = new Set<() => void>();

/** Calls `listener` each time a request finds nobody signed in. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

// The backend answers 401; OpenShift's oauth-proxy, once its session has
// ended, redirects to the cluster's login, which fetch shows as an opaque
// redirect.
function signInRequired(response: Response): boolean {
  return response.status === 401 || response.type === 'opaqueredirect';
}

let session: Promise<unknown> | null = null;

// The first chat request of a new browser gets the owner cookie. Were two
// sent at once, each would get a different owner; so all wait for one.
function sessionReady(): Promise<unknown> {
  if (readCookie(CSRF_COOKIE) !== null) return Promise.resolve();
  session ??= fetch(`${env.apiBaseUrl}${SESSION_PATH}`, {
    headers: { Accept: 'application/json' },
  })
    .catch(() => undefined)
    .finally(() => {
      session = null;
    });
  return session;
}

function readCookie(name: string): string | null {
  for (const pair of document.cookie.split(';')) {
    const [key, ...value] = pair.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

// Django answers {"error": "..."}; a proxy's own pages mean nothing to the user.
async function serverError(response: Response): Promise<string | null> {
  const body: unknown = await response.json().catch(() => null);
  if (isRecord(body) && typeof body.error === 'string' && body.error !== '') {
    return body.error;
  }
  return null;
}

async function errorMessage(response: Response): Promise<string> {
  const error = await serverError(response);
  if (error !== null) return error;
  // A proxy in front of a stopped backend answers 502-504.
  if (response.status >= 502 && response.status <= 504) {
    return UNAVAILABLE_MESSAGE;
  }
  return FAILED_MESSAGE;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** `fetch` against the backend that turns every failure into an ApiError. */
export async function apiFetch(
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${env.apiBaseUrl}${path}`, init);
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new ApiError(UNREACHABLE_MESSAGE);
  }
  if (!response.ok) {
    throw new ApiError(await errorMessage(response), response.status);
  }
  return response;
}

async function errorMessage(response: Response): Promise<string> {
  // Django answers {"error": "..."}; a proxy in front of a stopped backend
  // answers 502-504 with an HTML page that means nothing to the user.
  const body: unknown = await response.json().catch(() => null);
  if (isRecord(body) && typeof body.error === 'string' && body.error !== '') {
    return body.error;
  }
  if (response.status >= 502 && response.status <= 504) {
    return UNAVAILABLE_MESSAGE;
  }
  return `The chat service answered with an error (HTTP ${response.status}).`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

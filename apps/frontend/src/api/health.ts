import { apiFetch, isRecord } from '@/api/client';

export type Health = { model: string; demo: boolean };

/** GET /health: which model answers and whether the backend runs in demo mode. */
export async function fetchHealth(signal?: AbortSignal): Promise<Health> {
  const response = await apiFetch('/health', {
    headers: { Accept: 'application/json' },
    signal,
  });
  const body: unknown = await response.json();
  return {
    model: isRecord(body) && typeof body.model === 'string' ? body.model : '',
    demo: isRecord(body) && body.demo === true,
  };
}

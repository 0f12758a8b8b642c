/**
 * Build-time configuration, read once. `VITE_API_BASE_URL` is empty in every
 * deployed build (same-origin, relative paths); set it only to develop
 * against a backend on another origin.
 */
function readApiBaseUrl(raw: string | undefined): string {
  const value = (raw ?? '').trim();
  if (value === '') return '';
  if (!/^https?:\/\/[^/]+(\/.*)?$/.test(value)) {
    throw new Error(
      `VITE_API_BASE_URL must be an http(s) URL or empty, got "${value}"`,
    );
  }
  return value.replace(/\/+$/, '');
}

export const env = {
  apiBaseUrl: readApiBaseUrl(import.meta.env.VITE_API_BASE_URL),
};

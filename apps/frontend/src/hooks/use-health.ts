import { useEffect, useState } from 'react';

import { fetchHealth, type Health } from '@/api/health';

/** The backend's /health answer, or null until it arrives (or if it fails). */
export function useHealth(): Health | null {
  const [health, setHealth] = useState<Health | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    fetchHealth(controller.signal)
      .then(setHealth)
      .catch(() => setHealth(null));
    return () => controller.abort();
  }, []);

  return health;
}

// StrykerJS over the frontend's stream parser and sanitising (see
// ../frontend.md). It runs in apps/frontend (tox's change_dir), so the paths
// below are from there, and the Vitest runner takes that directory's Vitest
// and vitest.config.ts.
const work = '../../.mutation-frontend';

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts' },
  mutate: ['src/api/sse.ts', 'src/api/chat.ts', 'src/components/markdown.tsx'],
  // Outside apps/frontend: a sandbox left by a stopped run would otherwise be
  // found by `npm test`, ESLint and Prettier.
  tempDirName: `${work}/tmp`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${work}/mutation.html` },
  jsonReporter: { fileName: `${work}/mutation.json` },
  clearTextReporter: { allowEmojis: false, logTests: false },
  // Two cores shared with other work: a slow test is not a mutant's loop.
  timeoutMS: 10000,
};

import type { Answers } from '../options/model.js';

/**
 * The first commands of a generated project, run in its folder: the README's
 * Quick start block and the CLI's next steps both print exactly these lines,
 * and a build-and-run test runs them verbatim.
 */
export function quickStart(answers: Pick<Answers, 'db' | 'transport'>): string[] {
  const ports =
    answers.transport === 'http' ? ':8080 (API) and :9090 (admin)' : `:8080 (${answers.transport === 'both' ? 'HTTP API' : 'probes'}), :9000 (gRPC API) and :9090 (admin)`;
  const what = answers.db === 'postgres' ? '.env on first use, the database and its migrations, then serve' : '.env on first use, then serve';
  return [`make dev   # ${what} on ${ports}`];
}

// The graphql-http conformance audit (auditServer) against one endpoint. Every MUST (error)
// fails the check; a SHOULD (warn) fails it too unless README.md gives a reason for keeping it.

import { auditServer } from 'graphql-http';

/** SHOULD audits kept on purpose, by audit id, with the README's reason. None so far. */
export const KEPT_WARNINGS = {};

/**
 * Runs the audit against `url`, sending `authorization` with every request when given.
 * Resolves to `{ok, summary, problems}`.
 */
export async function audit(url, authorization) {
  const fetchFn = (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (authorization) headers.set('authorization', authorization);
    return fetch(input, { ...init, headers });
  };
  const results = await auditServer({ url, fetchFn });
  const count = (status) => results.filter((r) => r.status === status).length;
  const problems = results
    .filter((r) => r.status === 'error' || (r.status === 'warn' && !KEPT_WARNINGS[r.id]))
    .map((r) => `${r.status} ${r.id} ${r.name}: ${r.reason ?? ''}`);
  const summary =
    `${results.length} audits: ${count('ok')} ok, ${count('error')} MUST failures, ` +
    `${count('warn')} SHOULD warnings, ${count('notice')} MAY notices`;
  return { ok: problems.length === 0 && results.length > 0, summary, problems };
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * docs/api.md names, in each bearer route's heading, the permission the route checks. The route table of
 * docs/security.md is held to the code by the role-matrix test; this holds api.md's headings to it.
 */

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** `METHOD path` → permission, from docs/security.md's route table. */
function securityRoutes(): Map<string, string> {
  const routes = new Map<string, string>();
  for (const match of read('docs/security.md').matchAll(
    /^\| `([A-Z]+ \/v1\/[^`]+)` \| `([a-z]+:[a-z]+)` \|$/gm,
  ))
    routes.set(match[1] as string, match[2] as string);
  return routes;
}

/** Each bearer heading of docs/api.md: its path (no query) and the permissions it names. */
function apiHeadings(): { heading: string; path: string; permissions: string[] }[] {
  return [...read('docs/api.md').matchAll(/^###+ (.*\(bearer[^)]*\).*)$/gm)].map((match) => {
    const heading = match[1] as string;
    const path = /(\/v1\/[^`?\s]+)/.exec(heading)?.[1] ?? '';
    const parenthesis = /\(bearer([^)]*)\)/.exec(heading)?.[1] ?? '';
    const permissions = [...parenthesis.matchAll(/`([a-z]+:[a-z]+)`/g)].map((m) => m[1] as string);
    return { heading, path, permissions };
  });
}

describe('docs/api.md bearer route headings', () => {
  const routes = securityRoutes();

  it('reads the route table of docs/security.md and the bearer headings of docs/api.md', () => {
    expect(routes.size).toBeGreaterThanOrEqual(20);
    expect(apiHeadings().length).toBeGreaterThanOrEqual(10);
  });

  it.each(apiHeadings())('$heading names the permission its route checks', ({ path, permissions }) => {
    const checked = [...routes].filter(([route]) => route.endsWith(` ${path}`)).map(([, p]) => p);
    expect(checked.length).toBeGreaterThan(0);
    // "platform owner" headings (POST /v1/tenants) name no permission but the owner's tenants:create.
    const named = permissions.length > 0 ? permissions : ['tenants:create'];
    expect([...new Set(checked)].sort()).toEqual([...new Set(named)].sort());
  });
});

import { describe, expect, it } from 'vitest';
import { toJsonSchema, componentsId } from '../../testkit/github-standin/openapi/json-schema.ts';
import { matchRoute } from '../../testkit/github-standin/openapi/routes.ts';
import { checkRequest } from '../../testkit/github-standin/openapi/validators.ts';

function op(method: string, path: string) {
  const m = matchRoute(method, path);
  return m && m.operation ? { id: m.operation.operationId, params: m.params, operation: m.operation } : m;
}

describe('routing by GitHub’s OpenAPI description', () => {
  it('prefers literal segments over parameters', () => {
    expect(op('GET', '/repos/acme/gitops/pulls/comments')).toMatchObject({ id: 'pulls/list-review-comments-for-repo' });
    expect(op('GET', '/repos/acme/gitops/pulls/7')).toMatchObject({ id: 'pulls/get', params: { owner: 'acme', repo: 'gitops', pull_number: '7' } });
  });

  it('lets a git ref span several segments, shortest first', () => {
    expect(op('PATCH', '/repos/acme/gitops/git/refs/heads/feature/x')).toMatchObject({ id: 'git/update-ref', params: { ref: 'heads/feature/x' } });
    expect(op('GET', '/repos/acme/gitops/commits/feature/check-runs')).toMatchObject({ id: 'checks/list-for-ref', params: { ref: 'feature' } });
    expect(op('GET', '/repos/acme/gitops/git/ref/heads%2Ffeature')).toMatchObject({ id: 'git/get-ref', params: { ref: 'heads/feature' } });
  });

  it('tells an unknown path from a known path with another method', () => {
    expect(matchRoute('GET', '/repos/acme/gitops/no-such-thing')).toBeUndefined();
    expect(matchRoute('PUT', '/repos/acme/gitops/check-runs')).toMatchObject({ operation: undefined });
  });
});

describe('request validation', () => {
  it('coerces path and query parameters to their declared types and keeps unknown query parameters', () => {
    const m = op('GET', '/repos/acme/gitops/issues/7/comments');
    if (!m || !('operation' in m) || !m.operation) throw new Error('no route');
    const checked = checkRequest(m.operation, { params: m.params, query: { per_page: '50', page: '2', foo: 'bar' }, body: undefined });
    expect(checked.problems).toEqual([]);
    expect(checked.params.issue_number).toBe(7);
    expect(checked.query).toEqual({ per_page: 50, page: 2, foo: 'bar' });
  });

  it('names missing and invalid body fields the way GitHub does', () => {
    const m = op('POST', '/repos/acme/gitops/check-runs');
    if (!m || !('operation' in m) || !m.operation) throw new Error('no route');
    const checked = checkRequest(m.operation, { params: m.params, query: {}, body: { name: 'x', status: 'bogus', output: { title: 't' } } });
    expect(checked.problems.map((p) => [p.field, p.code])).toEqual([
      ['head_sha', 'missing_field'],
      ['status', 'invalid'],
      ['output.summary', 'missing_field'],
    ]);
  });
});

describe('OpenAPI 3.0 schemas as JSON Schema', () => {
  it('admits null where the description says nullable, and null among enum values', () => {
    expect(toJsonSchema({ type: 'string', nullable: true, enum: ['a'], description: 'doc', example: 'a' })).toEqual({ type: ['string', 'null'], enum: ['a', null] });
    expect(toJsonSchema({ $ref: '#/components/schemas/x', nullable: true })).toEqual({ anyOf: [{ $ref: `${componentsId}#/components/schemas/x` }, { type: 'null' }] });
  });

  it('turns oneOf into anyOf and keeps property names that look like keywords', () => {
    expect(toJsonSchema({ type: 'object', properties: { title: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } })).toEqual({
      type: 'object',
      properties: { title: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
    });
  });
});

export * from '../../../../testkit/github-standin/openapi/json-schema.ts';

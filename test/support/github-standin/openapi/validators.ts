export * from '../../../../testkit/github-standin/openapi/validators.ts';

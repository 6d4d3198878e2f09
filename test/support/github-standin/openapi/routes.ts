export * from '../../../../testkit/github-standin/openapi/routes.ts';

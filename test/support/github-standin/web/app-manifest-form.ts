export * from '../../../../testkit/github-standin/web/app-manifest-form.ts';

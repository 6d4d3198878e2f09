export * from '../../../testkit/testenv/info.ts';

export * from '../../../testkit/testenv/state.ts';

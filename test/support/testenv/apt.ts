export * from '../../../testkit/testenv/apt.ts';

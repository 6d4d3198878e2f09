export * from '../../../testkit/testenv/ports.ts';

export * from '../../testkit/redis.ts';

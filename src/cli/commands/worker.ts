export { workerCommand, workerHelp } from './serve.ts';

// Provisions what the test suites need, once per `npm test` run. Extended by the test-cluster setup.
export default async function setup(): Promise<void> {}

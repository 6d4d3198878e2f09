// Entry of the detached build process started by ensureBinaries (see detached-build.ts):
// `node --import tsx builder.ts <cache-root>`. Progress lines are appended to progress.log for whoever
// waits (never truncated: another builder may be mid-build); a failure's message goes to build-error.txt.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { buildHere } from './build.ts';
import { buildFiles } from './detached-build.ts';
import { versionDir } from './paths.ts';

const root = process.argv[2];
if (!root) {
  process.stderr.write('usage: builder.ts <cache-root>\n');
  process.exit(2);
}
const files = buildFiles(root);
mkdirSync(versionDir(root), { recursive: true });
rmSync(files.error, { force: true });
const log = (line: string): void => {
  appendFileSync(files.progress, `${line}\n`);
  process.stdout.write(`${line}\n`);
};

buildHere({ log, cacheDir: root }).then(
  () => process.exit(0),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    writeFileSync(files.error, message);
    process.stderr.write(`${err instanceof Error ? (err.stack ?? message) : message}\n`);
    process.exit(1);
  },
);

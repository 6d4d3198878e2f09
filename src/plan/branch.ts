/**
 * The branch a `--base` ref names, for discovery notes about objects that follow another branch:
 * `main`, `refs/heads/main` and `origin/main` are branch `main`; a commit id or a revision expression
 * (`HEAD~1`, `main^`) names no branch.
 */
export function branchOfRef(ref: string): string | undefined {
  if (/^[0-9a-f]{7,64}$/i.test(ref) || /[~^:@\s]/.test(ref) || ref === 'HEAD') return undefined;
  const branch = ref.replace(/^refs\/heads\//, '').replace(/^refs\/remotes\/[^/]+\//, '').replace(/^origin\//, '');
  return branch === '' ? undefined : branch;
}

// The pull requests of a commit (`GET /repos/{o}/{r}/commits/{sha}/pulls`), as GitHub answers it: for a
// commit on the default branch, the merged pull request that brought it in (its merge commit, or its
// head for a fast-forward/rebase merge); for any other commit, the open pull requests whose head
// contains it.
import { isAncestor, resolveCommit } from '../../git/repo-git.ts';
import { presentPull } from '../../present/pulls.ts';
import { paginate } from '../pagination.ts';
import { needRepo, ok, validationFailed, type Handlers } from '../types.ts';

export const commitPullHandlers: Handlers = {
  'repos/list-pull-requests-associated-with-commit': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const sha = await resolveCommit(repo.gitDir, String(ctx.params.commit_sha));
      if (!sha) throw validationFailed('Commit', 'commit_sha', 'invalid');
      const pulls = [...ctx.site.store.pulls.values()].filter((p) => p.repo === repo.key);
      const onDefault = await isAncestor(repo.gitDir, sha, `refs/heads/${repo.defaultBranch}`);
      const found = [];
      for (const p of pulls.sort((a, b) => a.number - b.number)) {
        if (onDefault) {
          if (p.merged && (p.mergeCommitSha === sha || p.head.sha === sha)) found.push(p);
        } else if (p.state === 'open' && (p.head.sha === sha || (await isAncestor(repo.gitDir, sha, p.head.sha)))) {
          found.push(p);
        }
      }
      const page = paginate(ctx, found);
      return ok(page.items.map((p) => presentPull(ctx.site, repo, p)), 200, page.headers);
    },
  },
};

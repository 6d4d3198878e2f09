/** The exit-code contract (model/errors.ts exitCodeFor), as every command's help states it. */
export const exitCodeHelp = `Exit codes (the same for every command):
  0  done, nothing wrong
  1  the content is wrong: a render, validation, apply or health check failed
  2  usage or configuration: a bad flag, --repo not a folder or not a git repository, an unknown ref,
     environment or cluster (apply, sync, drift: an environment whose cluster the registry lacks), an
     invalid .bosun.yaml or cluster registry
  3  nothing to judge, or not all of it: no environment found (the message says what was looked for),
     or (plan) a changed file that no environment bosun found deploys, or that feeds something bosun does
     not preview (the report lists them: a Fleet target's clusterName or a spec.kubeConfig cluster bosun
     does not know too), or (plan, validate, render with --clusters) an environment whose cluster the
     registry lacks — done offline, never previewed nor applied, or (plan) the plan's time budget
     (--plan-timeout) spent before every affected environment rendered; 1 comes first
  130 / 143  stopped by SIGINT / SIGTERM`;

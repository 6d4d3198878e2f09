/** The exit-code contract (model/errors.ts exitCodeFor), as every command's help states it. */
export const exitCodeHelp = `Exit codes (the same for every command):
  0  done, nothing wrong
  1  the content is wrong: a render, validation, apply or health check failed
  2  usage or configuration: a bad flag, --repo not a folder or not a git repository, an unknown ref,
     environment or cluster, an invalid .bosun.yaml or cluster registry
  3  nothing to judge, or not all of it: no environment found (the message says what was looked for),
     or (plan) a changed file that no environment bosun found deploys, or that feeds something bosun does
     not preview (the report lists them), or that a .bosun.yaml environment reads whose cluster the --clusters
     registry lacks (never previewed nor applied)
  130 / 143  stopped by SIGINT / SIGTERM`;

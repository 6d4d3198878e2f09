import { field, str } from './object-fields.ts';

/**
 * Argo CD's build environment as its repo server substitutes it into an Application source's helm parameters
 * (`--set` values), value file and file parameter paths, kustomize images and jsonnet extVars and TLAs
 * (reposerver newEnv, makeJsonnetVm; Env.Envsubst in pkg/apis/application/v1alpha1/types.go
 * is Go's os.Expand with `$$` kept as `$`, and every other name it does not set expanding to nothing). bosun
 * knows all but the resolved commit: `ARGOCD_APP_REVISION` and its short forms are left out, said by
 * `revisionVariables`.
 */
export function argocdBuildEnv(app: unknown, appName: string, source: unknown): Record<string, string> {
  return {
    ARGOCD_APP_NAME: appName,
    ARGOCD_APP_NAMESPACE: str(field(app, 'spec', 'destination', 'namespace')) ?? '',
    ARGOCD_APP_PROJECT_NAME: str(field(app, 'spec', 'project')) ?? '',
    ARGOCD_APP_SOURCE_REPO_URL: str(field(source, 'repoURL')) ?? '',
    ARGOCD_APP_SOURCE_PATH: str(field(source, 'path')) ?? '',
    ARGOCD_APP_SOURCE_TARGET_REVISION: str(field(source, 'targetRevision')) ?? '',
  };
}

const special = '*#$@!?-0123456789';

/** Go os.Expand with Argo CD's mapping: `${name}` / `$name` from `env`, `$$` → `$`, anything else unset → ''. */
export function envsubst(value: string, env: Record<string, string>): string {
  if (!value.includes('$')) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const ch = value[i];
    if (ch !== '$' || i + 1 >= value.length) {
      out += ch;
      i++;
      continue;
    }
    const { name, width } = shellName(value.slice(i + 1));
    if (name === '' && width === 0) out += '$'; // not followed by a name: the dollar stays
    else if (name !== '') out += name === '$' ? '$' : (env[name] ?? '');
    i += 1 + width;
  }
  return out;
}

/** os.getShellName: the name after a `$` and how many characters it takes (`{…}`, one special character, or a run of letters, digits and `_`). */
function shellName(s: string): { name: string; width: number } {
  if (s[0] === '{') {
    if (s.length > 2 && special.includes(s[1]) && s[2] === '}') return { name: s[1], width: 3 };
    const end = s.indexOf('}');
    if (end < 0) return { name: '', width: 1 }; // bad syntax: eat the brace
    if (end === 1) return { name: '', width: 2 }; // `${}`: eaten
    return { name: s.slice(1, end), width: end + 1 };
  }
  if (special.includes(s[0])) return { name: s[0], width: 1 };
  const m = /^[A-Za-z0-9_]+/.exec(s);
  return m ? { name: m[0], width: m[0].length } : { name: '', width: 0 };
}

/** The revision variables a value uses: Argo CD fills them with the commit it syncs, which bosun does not substitute. */
export function revisionVariables(value: string): string[] {
  return [...new Set([...value.matchAll(/\$\{?(ARGOCD_APP_REVISION(?:_SHORT(?:_8)?)?)\b/g)].map((m) => m[1]))];
}

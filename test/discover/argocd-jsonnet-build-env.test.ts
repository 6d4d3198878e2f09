// Argo CD substitutes its build environment into a directory source's jsonnet extVars and TLAs with the
// same Env.Envsubst as helm parameters (reposerver makeJsonnetVm: `env.Envsubst(j.Value)`; Env.Envsubst in
// pkg/apis/application/v1alpha1/types.go is Go's os.Expand with `$$` kept as `$`). bosun's jsonnet render had
// a copy of its own that knew two names and left `$$`, `$1` and `${}` as written: a preview unlike the sync.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { makeTree } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';

describe('Argo CD build environment in jsonnet extVars and TLAs', () => {
  it('substitutes them as the repo server does: every build variable, $$ a dollar, odd names empty, and says what it cannot', async () => {
    const root = await makeTree({
      'site/main.jsonnet': `function(name, owner, price, odd, rev) {
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' },
  data: { name: name, owner: owner, price: price, odd: odd, rev: rev, path: std.extVar('path') },
}
`,
      'argocd/web.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web-prod, namespace: argocd }
spec:
  project: shop
  source:
    repoURL: ${repoUrl}
    path: site
    directory:
      jsonnet:
        extVars:
          - { name: path, value: '$ARGOCD_APP_SOURCE_PATH' }
        tlas:
          - { name: name, value: '\${ARGOCD_APP_NAME}' }
          - { name: owner, value: '$ARGOCD_APP_PROJECT_NAME/$ARGOCD_APP_NAMESPACE' }
          - { name: price, value: '$$5 \${UNSET}' }
          - { name: odd, value: '[$1x|\${a.b}|\${}|$ |\${abc]' }
          - { name: rev, value: '$ARGOCD_APP_REVISION' }
  destination: { name: in-cluster, namespace: web }
`,
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    const out = await renderEnvironment(root, environments[0]);
    expect(out.ok ? out.objects[0].object.data : out.error.message).toEqual({
      name: 'web-prod', owner: 'shop/web', price: '$5 ', odd: '[x|||$ |abc]', rev: '', path: 'site',
    });
    expect(notes.map((n) => n.reason)).toContainEqual(expect.stringContaining('directory.jsonnet.tlas[4].value uses $ARGOCD_APP_REVISION, which Argo CD fills with the commit it syncs'));
  });
});

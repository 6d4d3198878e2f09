// A Flux path without a kustomization file: what the render builds (the kustomization Flux would
// generate) and what affected detection counts as the environment's inputs follow one reading of
// Flux's generator (src/render/kustomize-model/flux-generator.ts), so a change to a file the render
// reads always makes the environment affected, and a file Flux never sees does not.
import { describe, expect, it } from 'vitest';
import { collectInputs, isInput } from '../../src/discover/index.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  x: "1"\n`;

describe('a generated Flux kustomization, rendered and as affected detection sees it', () => {
  it('follows the same nested kustomizations: one below node_modules counts, one in an excluded .github folder does not', async () => {
    const root = await repo({
      'apps/web/a.yaml': configMap('a'),
      // Flux's generator takes any folder holding a kustomization as a unit, node_modules included…
      'apps/web/node_modules/pkg/kustomization.yaml': 'resources: [../../../../shared/vendored.yaml]\n',
      'shared/vendored.yaml': configMap('vendored'),
      // …while source-controller leaves .github out of the artifact, so nothing it reaches is applied.
      'apps/web/.github/kustomization.yaml': 'resources: [../../../ci/only-ci.yaml]\n',
      'ci/only-ci.yaml': configMap('only-ci'),
    });
    const env = environment({ name: 'staging/web', source: 'flux', path: 'apps/web', definedIn: { file: 'clusters/staging/apps.yaml', line: 1 } });

    const outcome = await renderEnvironment(root, env);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.objects.map((o) => [o.object.metadata?.name, o.source?.file])).toEqual([
      ['a', 'apps/web/a.yaml'],
      ['vendored', 'shared/vendored.yaml'],
    ]);

    const inputs = await collectInputs(root, env);
    expect(isInput(inputs, 'shared/vendored.yaml')).toBe(true);
    expect(isInput(inputs, 'ci/only-ci.yaml')).toBe(false);
  });
});

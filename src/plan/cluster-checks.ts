import type { Environment } from '../model/environment.ts';
import { kubernetesTarget, type KubernetesTarget } from '../model/kubernetes-version.ts';
import type { KubeObject } from '../model/object.ts';
import { syncSemanticsOf } from '../model/apply-options.ts';
import { mayUseGenerateName } from '../model/sync.ts';
import type { ValidationFinding } from '../model/validation.ts';
import { createClusterSchemaSource } from '../validate/cluster-schema-source.ts';
import type { ClusterSchemaSet } from '../validate/openapi-v2.ts';
import { createValidator, type Validator } from '../validate/index.ts';

/**
 * What an environment's cluster says about validating it, from the cluster registry (src/cli, the App):
 * the Kubernetes version to judge APIs against and, for a registered cluster that answered, its own
 * schemas. `unavailable`: why the cluster's schemas could not be read (validation is then offline).
 */
export interface ClusterChecks {
  target: KubernetesTarget;
  schemas?: ClusterSchemaSet;
  unavailable?: string;
}

/** Per environment; undefined when its cluster is not registered. */
export type ClusterChecksHook = (env: Environment) => Promise<ClusterChecks | undefined>;

/**
 * The validator of one environment: the render's and repository's CRDs, then its cluster's own OpenAPI
 * when registered, then the built-in schemas, with removed APIs judged against its target version.
 * `notes` are findings about validation itself (a cluster that could not be read), to report with it.
 */
export async function environmentValidator(env: Environment, crds: KubeObject[], hook?: ClusterChecksHook): Promise<{ validator: Validator; notes: ValidationFinding[] }> {
  const checks = (await hook?.(env)) ?? { target: kubernetesTarget(env) };
  const validator = createValidator({
    crds,
    missingSchema: env.missingSchema,
    target: checks.target,
    // Argo CD hooks may use generateName: bosun names them when it runs them.
    nameOptional: (obj) => mayUseGenerateName(obj, syncSemanticsOf(env)),
    ...(checks.schemas ? { sources: [createClusterSchemaSource(checks.schemas)] } : {}),
  });
  const notes: ValidationFinding[] = checks.unavailable
    ? [{ severity: 'warning', object: `environment ${env.name}`, path: '', message: `validated offline against Kubernetes ${checks.target.version} (${checks.target.from}): ${checks.unavailable}` }]
    : [];
  return { validator, notes };
}

/**
 * When built-in API versions were removed from Kubernetes, and when the versions that replace them were
 * first served — from the Kubernetes deprecated API migration guide. The generated built-in schemas only
 * know what the newest Kubernetes serves; these tables say what an older target still serves, so that a
 * removed API is an error only for a target at or past its removal, and a newer API is an error for a
 * target that predates it.
 */

/** `apiVersion/Kind` → the minor version whose API server no longer serves it. */
const removedIn: Record<string, number> = {};
const removals: Array<[number, string, string[]]> = [
  [16, 'extensions/v1beta1', ['DaemonSet', 'Deployment', 'DeploymentRollback', 'NetworkPolicy', 'PodSecurityPolicy', 'ReplicaSet', 'Scale']],
  [16, 'apps/v1beta1', ['ControllerRevision', 'Deployment', 'DeploymentRollback', 'Scale', 'StatefulSet']],
  [16, 'apps/v1beta2', ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'Scale', 'StatefulSet']],
  [22, 'extensions/v1beta1', ['Ingress']],
  [22, 'networking.k8s.io/v1beta1', ['Ingress', 'IngressClass']],
  [22, 'admissionregistration.k8s.io/v1beta1', ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']],
  [22, 'apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition']],
  [22, 'apiregistration.k8s.io/v1beta1', ['APIService']],
  [22, 'authentication.k8s.io/v1beta1', ['TokenReview']],
  [22, 'authorization.k8s.io/v1beta1', ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview']],
  [22, 'certificates.k8s.io/v1beta1', ['CertificateSigningRequest']],
  [22, 'coordination.k8s.io/v1beta1', ['Lease']],
  [22, 'rbac.authorization.k8s.io/v1beta1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']],
  [22, 'scheduling.k8s.io/v1beta1', ['PriorityClass']],
  [22, 'storage.k8s.io/v1beta1', ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment']],
  [25, 'batch/v1beta1', ['CronJob']],
  [25, 'discovery.k8s.io/v1beta1', ['EndpointSlice']],
  [25, 'events.k8s.io/v1beta1', ['Event']],
  [25, 'autoscaling/v2beta1', ['HorizontalPodAutoscaler']],
  [25, 'policy/v1beta1', ['Eviction', 'PodDisruptionBudget', 'PodSecurityPolicy']],
  [25, 'node.k8s.io/v1beta1', ['RuntimeClass']],
  [26, 'flowcontrol.apiserver.k8s.io/v1beta1', ['FlowSchema', 'PriorityLevelConfiguration']],
  [26, 'autoscaling/v2beta2', ['HorizontalPodAutoscaler']],
  [27, 'storage.k8s.io/v1beta1', ['CSIStorageCapacity']],
  [29, 'flowcontrol.apiserver.k8s.io/v1beta2', ['FlowSchema', 'PriorityLevelConfiguration']],
  [32, 'flowcontrol.apiserver.k8s.io/v1beta3', ['FlowSchema', 'PriorityLevelConfiguration']],
];
for (const [minor, apiVersion, kinds] of removals) for (const kind of kinds) removedIn[`${apiVersion}/${kind}`] = minor;

/** `apiVersion/Kind` → the first minor version that serves it, for the stable versions that replaced the removed ones. */
const servedFrom: Record<string, number> = {};
const introductions: Array<[number, string, string[]]> = [
  [19, 'networking.k8s.io/v1', ['Ingress', 'IngressClass']],
  [19, 'certificates.k8s.io/v1', ['CertificateSigningRequest']],
  [20, 'node.k8s.io/v1', ['RuntimeClass']],
  [21, 'batch/v1', ['CronJob']],
  [21, 'discovery.k8s.io/v1', ['EndpointSlice']],
  [21, 'policy/v1', ['PodDisruptionBudget']],
  [22, 'policy/v1', ['Eviction']],
  [23, 'autoscaling/v2', ['HorizontalPodAutoscaler']],
  [24, 'storage.k8s.io/v1', ['CSIStorageCapacity']],
  [29, 'flowcontrol.apiserver.k8s.io/v1', ['FlowSchema', 'PriorityLevelConfiguration']],
];
for (const [minor, apiVersion, kinds] of introductions) for (const kind of kinds) servedFrom[`${apiVersion}/${kind}`] = minor;

/** The minor version that removed apiVersion/kind; undefined when the table does not know it. */
export function removedInMinor(apiVersion: string, kind: string): number | undefined {
  return removedIn[`${apiVersion}/${kind}`];
}

/** The first minor version that serves apiVersion/kind, when it is one of the newer replacements. */
export function servedFromMinor(apiVersion: string, kind: string): number | undefined {
  return servedFrom[`${apiVersion}/${kind}`];
}

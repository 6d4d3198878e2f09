/**
 * Rules for values from repository content that end up on a tool's command line (helm, kustomize → helm,
 * git). Everything in a pull request's head is written by whoever opened it: a release name such as
 * `--post-renderer=/bin/sh` would make helm run a shell. Each rule returns what is wrong, in words a user
 * can act on, or undefined when the value is fine; callers add the file, line and field.
 */

/** Helm's own rule (chartutil.ValidateReleaseName): a lower-case RFC 1123 subdomain of at most 53 characters. */
export const releaseNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const maxReleaseNameLength = 53;

/** A namespace is an RFC 1123 label: what the API server accepts for metadata.name of a Namespace. */
export const namespacePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const maxNamespaceLength = 63;

export function releaseNameProblem(value: string): string | undefined {
  if (value.length > maxReleaseNameLength || !releaseNamePattern.test(value)) {
    return `${JSON.stringify(value)} is not a valid Helm release name: use lower-case letters, digits, "-" and "." (starting and ending with a letter or digit), at most ${maxReleaseNameLength} characters`;
  }
  return undefined;
}

export function namespaceProblem(value: string): string | undefined {
  if (value.length > maxNamespaceLength || !namespacePattern.test(value)) {
    return `${JSON.stringify(value)} is not a valid namespace: use lower-case letters, digits and "-" (starting and ending with a letter or digit), at most ${maxNamespaceLength} characters`;
  }
  return undefined;
}

/** What helm's `--kube-version` parses (a semantic version, "v" and patch optional): `1.29`, `v1.29.3`. */
const kubeVersionPattern = /^v?\d{1,4}(\.\d{1,4}){1,2}(-[0-9A-Za-z.-]{1,64})?(\+[0-9A-Za-z.-]{1,64})?$/;

export function kubeVersionProblem(value: string): string | undefined {
  return kubeVersionPattern.test(value) ? undefined : `${JSON.stringify(value)} is not a Kubernetes version; write it like "1.29" or "v1.29.3"`;
}

/** `--api-versions` entries: `v1`, `apps/v1`, `monitoring.coreos.com/v1/ServiceMonitor`. */
const apiVersionPattern = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?v[0-9][a-z0-9]{0,30}(\/[A-Za-z][A-Za-z0-9]{0,62})?$/;

export function apiVersionProblem(value: string): string | undefined {
  return apiVersionPattern.test(value) ? undefined : `${JSON.stringify(value)} is not an API version; write it like "v1", "apps/v1" or "monitoring.coreos.com/v1/ServiceMonitor"`;
}

/** A chart version or version range (`1.2.3`, `~1.2`, `>=1.0.0 <2.0.0`); never something that reads as an option or a path. */
const chartVersionPattern = /^[0-9A-Za-z^~<>=*.!][0-9A-Za-z.+_~^<>=*,| !-]{0,127}$/;

export function chartVersionProblem(value: string): string | undefined {
  return chartVersionPattern.test(value) ? undefined : `${JSON.stringify(value)} is not a chart version; write it like "1.2.3" (or a range such as "~1.2")`;
}

/**
 * helm's `--values` is a list flag parsed as CSV: `a.yaml,/home/me/.kube/config` is two files, the second
 * outside the repository. A value file path must therefore not contain a comma (or a CSV quote).
 */
export function valueFileProblem(value: string): string | undefined {
  return /[,"]/.test(value) ? `value file ${JSON.stringify(value)} contains a comma or a double quote, which helm would read as a list of several files; rename it` : undefined;
}

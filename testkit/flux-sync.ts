/**
 * The `gotk-sync.yaml` that `flux bootstrap` writes into `clusters/<name>/flux-system/`: the flux-system
 * GitRepository (this repository, branch main) and the Kustomization that syncs the cluster's folder.
 * Tests that need a Flux repository put it at `clusters/<name>/flux-system/gotk-sync.yaml`.
 */
export function fluxSystemSync(clusterPath: string, url = 'ssh://git@github.com/acme/fleet'): string {
  return `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 1m
  url: ${url}
  ref: {branch: main}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 10m
  path: ./${clusterPath}
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`;
}

/**
 * A Flux Kustomization in flux-system that syncs `path` (`./apps`) from the flux-system GitRepository, as
 * `clusters/<name>/*.yaml` files hold them; `spec` adds lines to its spec (`targetNamespace: infra\n`).
 */
export function fluxKustomization(name: string, path: string, spec = ''): string {
  return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: ${name}, namespace: flux-system}
spec:
  interval: 10m
  path: ${path}
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
${spec}`;
}

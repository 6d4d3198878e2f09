import { nodeId } from '../state/store.ts';
import type { DeploymentRecord, DeploymentStatusRecord, RepoRecord } from '../state/records.ts';
import { repoApi } from './repos.ts';
import { botLogin, type Site } from './site.ts';
import { presentApp, presentUser } from './users.ts';

export function presentDeployment(site: Site, repo: RepoRecord, d: DeploymentRecord): Record<string, unknown> {
  const url = `${repoApi(site, repo)}/deployments/${d.id}`;
  return {
    url,
    id: d.id,
    node_id: nodeId('DE', d.id),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.originalEnvironment,
    environment: d.environment,
    description: d.description,
    creator: presentUser(site, d.creator),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: repoApi(site, repo),
    transient_environment: d.transient,
    production_environment: d.production,
    performed_via_github_app: d.creator === botLogin(site) ? presentApp(site) : null,
  };
}

export function presentDeploymentStatus(site: Site, repo: RepoRecord, s: DeploymentStatusRecord): Record<string, unknown> {
  const deployment = `${repoApi(site, repo)}/deployments/${s.deploymentId}`;
  return {
    url: `${deployment}/statuses/${s.id}`,
    id: s.id,
    node_id: nodeId('DES', s.id),
    state: s.state,
    creator: presentUser(site, s.creator),
    description: s.description,
    environment: s.environment,
    target_url: s.targetUrl,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    deployment_url: deployment,
    repository_url: repoApi(site, repo),
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
    performed_via_github_app: s.creator === botLogin(site) ? presentApp(site) : null,
  };
}

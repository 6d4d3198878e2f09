import { nodeId } from '../state/store.ts';
import type { InstallationRecord } from '../state/records.ts';
import type { Site } from './site.ts';

export function presentUser(site: Site, login: string, type?: 'User' | 'Organization'): Record<string, unknown> {
  const user = site.store.user(login);
  if (type && user.type !== 'Bot') user.type = type;
  const api = `${site.api}/users/${encodeURIComponent(user.login)}`;
  const bot = user.type === 'Bot';
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(bot ? 'BOT' : user.type === 'Organization' ? 'O' : 'U', user.id),
    avatar_url: `${site.web}/avatars/u/${user.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: bot ? `${site.web}/apps/${user.login.replace(/\[bot\]$/, '')}` : `${site.web}/${user.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function presentApp(site: Site): Record<string, unknown> {
  const app = site.app;
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId('A', app.id),
    client_id: `Iv1.standin${app.id}`,
    owner: presentUser(site, app.owner, 'Organization'),
    name: app.name,
    description: 'GitHub App served by the bosun GitHub stand-in',
    external_url: site.web,
    html_url: `${site.web}/apps/${app.slug}`,
    created_at: app.createdAt,
    updated_at: app.createdAt,
    permissions: app.permissions,
    events: app.events,
    installations_count: site.store.installations.size,
  };
}

export function presentInstallation(site: Site, inst: InstallationRecord): Record<string, unknown> {
  const account = presentUser(site, inst.account, inst.accountType);
  const settings = inst.accountType === 'Organization' ? `organizations/${inst.account}/settings` : 'settings';
  return {
    id: inst.id,
    account,
    repository_selection: 'selected',
    access_tokens_url: `${site.api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${site.api}/installation/repositories`,
    html_url: `${site.web}/${settings}/installations/${inst.id}`,
    app_id: site.app.id,
    app_slug: site.app.slug,
    client_id: `Iv1.standin${site.app.id}`,
    target_id: account.id,
    target_type: inst.accountType,
    permissions: site.app.permissions,
    events: site.app.events,
    created_at: inst.createdAt,
    updated_at: inst.createdAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

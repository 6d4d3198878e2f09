import type { Store } from '../state/store.ts';

/** The GitHub App the stand-in plays host to (bosun, in the tests). */
export interface AppInfo {
  id: number;
  slug: string;
  name: string;
  /** Login of the organization that owns the App registration. */
  owner: string;
  createdAt: string;
  permissions: Record<string, string>;
  events: string[];
}

/** What every presenter needs: where the stand-in answers, the App, and the state. */
export interface Site {
  /** `http://127.0.0.1:PORT`: html_url and git live here. */
  web: string;
  /** `${web}/api/v3`: API urls point here, as on GitHub Enterprise Server. */
  api: string;
  app: AppInfo;
  store: Store;
  /** The App's private key (PEM): handed out by a manifest registration's conversion. */
  appPrivateKey?: string;
}

/** The login the App's own comments, check runs and deployments are written by. */
export function botLogin(site: Site): string {
  return `${site.app.slug}[bot]`;
}

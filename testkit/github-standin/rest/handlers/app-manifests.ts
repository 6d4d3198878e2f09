// The last step of the manifest flow: `POST /app-manifests/{code}/conversions` (no credentials; the code
// works once, for an hour). The stand-in hosts one App, so the registration hands out that App's id and
// private key — the credentials then work against the stand-in — under the manifest's name, events and
// permissions, with a newly generated webhook secret and client secret.
import { randomBytes } from 'node:crypto';
import { presentApp, presentUser } from '../../present/users.ts';
import { notFound, ok, type Handlers } from '../types.ts';

/** GitHub's manifest codes expire after an hour. */
export const manifestCodeLifetimeMs = 60 * 60 * 1000;

export const appManifestHandlers: Handlers = {
  'apps/create-from-manifest': {
    auth: 'any',
    handle: (ctx) => {
      const registration = ctx.site.store.manifestCodes.get(String(ctx.params.code));
      if (!registration || registration.converted || ctx.now - registration.createdAt > manifestCodeLifetimeMs) throw notFound();
      if (!ctx.site.appPrivateKey) throw new Error('the stand-in was started without the App\'s private key');
      const m = registration.manifest;
      const hook = m.hook_attributes as { url?: string } | undefined;
      registration.converted = {
        webhookSecret: randomBytes(20).toString('hex'),
        clientSecret: randomBytes(20).toString('hex'),
      };
      const app = presentApp(ctx.site);
      return ok({
        ...app,
        ...(typeof m.name === 'string' ? { name: m.name } : {}),
        ...(typeof m.description === 'string' ? { description: m.description } : {}),
        external_url: m.url,
        owner: registration.org ? presentUser(ctx.site, registration.org, 'Organization') : app.owner,
        permissions: (m.default_permissions as Record<string, string> | undefined) ?? {},
        events: (m.default_events as string[] | undefined) ?? [],
        installations_count: 0,
        client_id: app.client_id,
        client_secret: registration.converted.clientSecret,
        // GitHub generates a webhook secret only when the manifest has a webhook.
        webhook_secret: hook?.url ? registration.converted.webhookSecret : null,
        pem: ctx.site.appPrivateKey,
      }, 201);
    },
  },
};

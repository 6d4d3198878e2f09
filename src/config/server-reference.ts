import { envVarMeta, serverEnvSchema, type ServerEnvName } from './server-env-schema.ts';

/**
 * The server's environment variables as a markdown table, generated from the zod schema so the docs
 * documents exactly what loadServerConfig accepts.
 */
export function serverEnvReferenceMarkdown(): string {
  const rows = ['| variable | required | default | description |', '| --- | --- | --- | --- |'];
  for (const name of Object.keys(serverEnvSchema.shape) as ServerEnvName[]) {
    const meta = envVarMeta(name);
    const required = meta.required ? 'yes' : name === 'PRIVATE_KEY' || name === 'PRIVATE_KEY_PATH' ? 'one of the two' : '';
    const fallback = meta.default === undefined ? '' : `\`${meta.default}\``;
    const secret = meta.secret ? ' Secret: never logged.' : '';
    rows.push(`| \`${name}\` | ${required} | ${fallback} | ${`${meta.description}${secret}`.replace(/\|/g, '\\|')} |`);
  }
  return `${rows.join('\n')}\n`;
}

/**
 * Whether Argo CD can create a generated Application under the name its template gives it. The
 * ApplicationSet controller does not check names itself: with the default (fasttemplate) syntax a
 * `{{param}}` no generator supplies is written back as it was (applicationset/utils/utils.go
 * Render.Replace: "if len(trimmedTag) == 0 || !ok { return w.Write(... "{{%s}}" ...) }"), and a goTemplate
 * without `missingkey=error` prints `<no value>`. The API server then refuses the Application, whose
 * metadata.name must be an RFC 1123 subdomain, and createOrUpdateInCluster (applicationset_controller.go)
 * goes on with the other Applications and returns its first error, so Reconcile returns before
 * deleteInCluster: while one fails, no Application the ApplicationSet stops generating is deleted.
 */
const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const maxNameLength = 253;

/** What is wrong with a generated Application's name, in words a user acts on; undefined when Argo CD can create it. */
export function generatedNameProblem(name: string): string | undefined {
  if (name.length <= maxNameLength && subdomain.test(name)) return undefined;
  const left = [...new Set(name.match(/\{\{[^}]*\}\}/g) ?? [])];
  const why = left.length > 0
    ? `${left.join(', ')} ${left.length > 1 ? 'are' : 'is'} left as written: no generator parameter fills ${left.length > 1 ? 'them' : 'it'}, and Argo CD's default templating keeps such a placeholder as it is`
    : name.includes('<no value>')
      ? 'a goTemplate field no parameter has prints "<no value>" (set goTemplateOptions: ["missingkey=error"] to have Argo CD fail on it)'
      : `use lower-case letters, digits, "-" and "." (starting and ending with a letter or digit), at most ${maxNameLength} characters`;
  return `${JSON.stringify(name)} is not a valid Application name (${why}); the Kubernetes API refuses it, so Argo CD never creates this Application`;
}

/** Why Argo CD keeps the Applications an ApplicationSet stops generating, while one it generates cannot be created. */
export const failedCreateKeepsApplications = 'Argo CD deletes none of the Applications this ApplicationSet stops generating while it fails to create one of them (an invalid generated name)';

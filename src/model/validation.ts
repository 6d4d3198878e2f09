/** One schema finding, as reported in JSON output, reports and GitHub annotations. */
export interface ValidationFinding {
  severity: 'error' | 'warning';
  /** Repo-relative source file of the object (provenance), when known. */
  file?: string;
  line?: number;
  /** Object identity, e.g. `apps/v1 Deployment web/frontend`. */
  object: string;
  /** JSON pointer-ish path inside the object, e.g. `/spec/replicas`. */
  path: string;
  message: string;
}

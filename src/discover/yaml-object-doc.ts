import type { DataPath } from '../config/yaml-location.ts';

/** One YAML document that is a Kubernetes-style object, with where it was found. */
export interface YamlObjectDoc {
  /** Repo-relative POSIX file. */
  file: string;
  /** Line of the document's first key. */
  line: number;
  object: Record<string, unknown>;
  /** Line of a field inside the document (the nearest existing ancestor when absent). */
  lineOf(path: DataPath): number | undefined;
}

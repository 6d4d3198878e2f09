import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { diffPathName } from '../diff/change-diff.ts';
import { normalize } from '../diff/normalize.ts';
import { classifyRisk } from '../diff/risk.ts';
import { isSecret, maskSecrets, type SecretKeyChanges } from '../diff/secrets.ts';
import { stableYaml } from '../diff/yaml-dump.ts';
import type { RiskClass } from '../model/change.ts';
import type { KubeObject } from '../model/object.ts';
import { objectId } from '../model/object.ts';

export interface LiveDiff {
  changed: boolean;
  diff: string;
  risk: RiskClass;
  secretKeys?: SecretKeyChanges;
}

/**
 * Live object vs what it would become (a dry-run answer), or vs nothing for a creation or deletion.
 * Uses the change diff's normalisation (server-written noise dropped) and Secret masking, so the apply
 * preview and the change diff agree on what a difference is and never show a Secret value.
 */
export function liveDiff(live: KubeObject | undefined, next: KubeObject | undefined): LiveDiff {
  const subject = next ?? live;
  if (!subject) return { changed: false, diff: '', risk: 'other' };
  const base = live && normalize(live);
  const head = next && normalize(next);
  const action = !live ? 'create' : !next ? 'delete' : 'update';
  const risk = classifyRisk({ action, apiVersion: subject.apiVersion, kind: subject.kind }, live, next);
  // Most objects in a preview are unchanged: normalised objects have sorted keys, so comparing their
  // JSON settles that without dumping YAML or diffing text.
  if (base && head && JSON.stringify(base) === JSON.stringify(head)) {
    return { changed: false, diff: '', risk, ...(isSecret(subject) ? { secretKeys: { added: [], removed: [], changed: [] } } : {}) };
  }
  const masked = maskSecrets(base, head);
  const before = masked.base ? stableYaml(masked.base) : '';
  const after = masked.head ? stableYaml(masked.head) : '';
  const name = diffPathName(objectId(subject));
  const diff = createTwoFilesPatch(live ? `live/${name}` : '/dev/null', next ? `applied/${name}` : '/dev/null', before, after, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
  return { changed: true, diff, risk, ...(isSecret(subject) ? { secretKeys: masked.keys } : {}) };
}

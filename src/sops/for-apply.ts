import { readFile } from 'node:fs/promises';
import type { RenderedObject } from '../model/object.ts';
import { isSopsEncrypted } from '../model/sops.ts';
import { decryptSopsObject, SopsError } from './decrypt.ts';

/** Where the operator's age key file is named: the server's env and the CLI option (as sops' own SOPS_AGE_KEY_FILE). */
export const sopsAgeKeyFileEnv = 'BOSUN_SOPS_AGE_KEY_FILE';

export interface SopsOutcome {
  /** The render with every encrypted object decrypted and its `sops` block dropped. */
  objects: RenderedObject[];
  /** Decrypted values, to keep out of every message. */
  plaintexts: string[];
  /** The objects that were decrypted (entries of `objects`). */
  decrypted: RenderedObject[];
  /** Objects that could not be decrypted, each with why (no value in it). */
  problems: Array<{ rendered: RenderedObject; error: string }>;
}

/**
 * Decrypts the SOPS-encrypted objects of a render for the apply and the apply preview only. Without a
 * key file every encrypted object is a problem: bosun never sends ciphertext to a cluster. The plan's
 * diff never gets here: it stays masked (`**SOPS**`).
 */
export async function decryptForApply(rendered: readonly RenderedObject[], keyFile: string | undefined): Promise<SopsOutcome> {
  const encrypted = rendered.filter((r) => isSopsEncrypted(r.object));
  const out: SopsOutcome = { objects: [...rendered], plaintexts: [], decrypted: [], problems: [] };
  if (encrypted.length === 0) return out;
  const where = (r: RenderedObject): string => (r.source ? `${r.source.file}${r.source.line ? `:${r.source.line}` : ''}` : `${r.object.kind} ${r.object.metadata?.name ?? ''}`);
  let identities: string[] | undefined;
  let keyProblem: string | undefined;
  if (!keyFile) {
    keyProblem = `is SOPS-encrypted and bosun has no age key to decrypt it; bosun never applies ciphertext. Give bosun the age key: ${sopsAgeKeyFileEnv}=<file> for the server and workers, or --sops-age-key-file <file> for the CLI (a file with AGE-SECRET-KEY-1… lines, as for SOPS_AGE_KEY_FILE)`;
  } else {
    try {
      identities = (await readFile(keyFile, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-'));
      if (identities.length === 0) keyProblem = `is SOPS-encrypted, and the age key file ${keyFile} has no AGE-SECRET-KEY-1… line`;
    } catch (error) {
      keyProblem = `is SOPS-encrypted, and the age key file ${keyFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }
  for (const r of encrypted) {
    const index = out.objects.indexOf(r);
    if (keyProblem || !identities) {
      out.problems.push({ rendered: r, error: `${where(r)}: ${r.object.kind} ${r.object.metadata?.name ?? ''} ${keyProblem}` });
      continue;
    }
    try {
      const { object, plaintexts } = await decryptSopsObject(r.object, identities, { where: where(r) });
      out.plaintexts.push(...plaintexts.filter((p) => p.length >= 4));
      out.objects[index] = { ...r, object };
      out.decrypted.push(out.objects[index]);
    } catch (error) {
      out.problems.push({ rendered: r, error: error instanceof SopsError ? error.message : `${where(r)}: cannot decrypt it` });
    }
  }
  return out;
}

// Types for scripts/image.mjs (`npm run image`), which stays plain JavaScript so that it runs from a bare
// checkout and in the release workflow without tsx.

export declare const platform: string;
export declare const help: string;
export declare class ImageError extends Error {}

export interface BaseImage {
  image: string;
  digest?: string;
  /** `image@digest` when pinned, else `image`. */
  ref: string;
}

export interface ImageOptions {
  tag?: string;
  engine?: 'docker' | 'podman';
  push: boolean;
  release: boolean;
  pinBase: boolean;
  print: boolean;
  help?: boolean;
}

export declare function parseArgs(argv: string[]): ImageOptions;
export declare function readBase(file?: string): BaseImage;
export declare function findEngine(wanted: string | undefined, probe: (name: string) => { installed: boolean; answers: boolean; error?: string }): string | ImageError;
export declare function buildCommands(spec: {
  engine: 'docker' | 'podman';
  tag: string;
  push: boolean;
  base: BaseImage;
  epoch: number;
  revision: string;
  version: string;
  source?: string;
}): Array<[string, string[]]>;
export declare function main(argv: string[], env?: NodeJS.ProcessEnv): number;

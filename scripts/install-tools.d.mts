// Types for scripts/install-tools.mjs, which stays plain JavaScript so that it runs in `postinstall`
// without tsx. src/util/tools.ts imports it to unpack a tool on first use.

export declare const defaultToolsDir: string;
export declare function bundledToolsRunHere(platform?: string, arch?: string): boolean;
export declare function installTools(opts?: { outDir?: string; only?: string[]; log?: (line: string) => void }): Record<string, string>;

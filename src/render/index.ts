export { renderEnvironment, renderCount } from './render-environment.ts';
export { RenderCache, type RenderCacheStats } from './cache.ts';
export { selectRenderer } from './select.ts';
export { substituteText } from './substitute.ts';
export { toolRunCount } from './process.ts';
export type { RenderError, RenderOptions, RenderOutcome, Renderer, RenderTool } from './types.ts';

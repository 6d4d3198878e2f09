export { renderMarkdown, renderIndex, changeSummaryPattern, defaultMaxPartChars, defaultMaxDiffLinesPerObject } from './markdown.ts';
export type { IndexLock, IndexOptions, MarkdownOptions } from './markdown.ts';
export { renderComment, maxCommentBodyChars } from './comment.ts';
export type { CommentOptions } from './comment.ts';
export { splitMarkdown } from './split.ts';
export type { SplitOptions } from './split.ts';
export { renderJson } from './json.ts';
export { planJsonSchema } from './json-schema.ts';

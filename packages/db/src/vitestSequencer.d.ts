import type { BaseSequencer } from 'vitest/node';

/** See vitestSequencer.js. */
export declare function slowFilesFirst(paths: readonly string[]): typeof BaseSequencer;

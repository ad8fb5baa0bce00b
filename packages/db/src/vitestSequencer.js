// Plain JavaScript: vitest loads its config files' package imports with Node's own loader (no TypeScript).
import { BaseSequencer } from 'vitest/node';

/**
 * A vitest sequencer that starts the named test files first, in the given order, then the others
 * in vitest's own order (failed first, then longest first from its cache; larger files first
 * without one). The suites run beside each other on a few cores: a long file that mostly waits
 * (child processes, timers, a browser) started last left the machine idle at the end of the run
 * while it finished alone. Paths are relative to the package (`test/embedded.test.ts`).
 *
 * @param {readonly string[]} paths
 */
export function slowFilesFirst(paths) {
  return class SlowFilesFirst extends BaseSequencer {
    /** @param {import('vitest/node').TestSpecification[]} files */
    async sort(files) {
      const sorted = await super.sort(files);
      /** @param {import('vitest/node').TestSpecification} f */
      const rank = (f) => {
        const i = paths.findIndex((p) => f.moduleId.endsWith(`/${p}`));
        return i < 0 ? paths.length : i;
      };
      return sorted
        .map((f, i) => ({ f, i, r: rank(f) }))
        .sort((a, b) => a.r - b.r || a.i - b.i)
        .map((x) => x.f);
    }
  };
}

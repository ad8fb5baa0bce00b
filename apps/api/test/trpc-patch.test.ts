/**
 * The @trpc/server patch (patches/@trpc__server@11.22.1.patch): zod schemas are parsed
 * synchronously (zod 4 compiles object schemas for sync parses only: the output validation of a
 * 25-row page was most of zod's share of a request's CPU), falling back to the async parse for
 * schemas holding async refinements; the middleware chain copies its options with native spreads.
 */
import { getParseFn } from '@trpc/server/unstable-core-do-not-import';
import { initTRPC } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('patched @trpc/server', () => {
  it('parses a zod schema synchronously, with the same result and errors', () => {
    const parse = getParseFn(z.object({ a: z.number() }));
    const ok = parse({ a: 1, extra: true });
    expect(ok).not.toBeInstanceOf(Promise);
    expect(ok).toEqual({ a: 1 });
    expect(() => parse({ a: 'x' })).toThrow(z.ZodError);
  });

  it('still parses schemas with async refinements (asynchronously)', async () => {
    const parse = getParseFn(z.object({ a: z.string().refine(async (v) => v === 'ok') }));
    await expect(parse({ a: 'ok' })).resolves.toEqual({ a: 'ok' });
    await expect(parse({ a: 'no' })).rejects.toThrow(z.ZodError);
  });

  it('keeps the middleware chain: context added by a middleware, input and output validated', async () => {
    const t = initTRPC.context<{ base: number }>().create();
    const proc = t.procedure
      .use(({ next }) => next({ ctx: { added: 2 } }))
      .use(({ ctx, next }) => next({ ctx: { sum: ctx.base + ctx.added } }))
      .input(z.object({ n: z.number() }))
      .output(z.object({ total: z.number() }));
    const router = t.router({ add: proc.query(({ ctx, input }) => ({ total: ctx.sum + input.n, leaked: 'x' })) });
    const caller = t.createCallerFactory(router)({ base: 1 });
    expect(await caller.add({ n: 4 })).toEqual({ total: 7 });
    await expect(caller.add({ n: 'x' as unknown as number })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

/** Builds `where` clauses with `?` params. */
export class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  /** How many params each part took (to rebuild the params of `unindexed()`). */
  private readonly counts: number[] = [];
  add(clause: string, ...params: unknown[]): this {
    this.parts.push(clause);
    this.params.push(...params);
    this.counts.push(params.length);
    return this;
  }
  toString(): string {
    return this.parts.length ? `where ${this.parts.join(' and ')}` : '';
  }
  /**
   * Replaces part `i` with `clause` and its params (same meaning: a search's index lookup chosen
   * once the table's statistics are known, see refineSearches in services/listing.ts).
   */
  replace(i: number, clause: string, params: unknown[]): this {
    const at = this.counts.slice(0, i).reduce((a, n) => a + n, 0);
    this.params.splice(at, this.counts[i], ...params);
    this.parts[i] = clause;
    this.counts[i] = params.length;
    return this;
  }
  /**
   * Searches whose index lookup may be narrowed to the term's rare part (see commonTrigrams.ts):
   * their part, folded column, folded term and table.
   */
  readonly searches: Array<{ part: number; folded: string; term: string; table: string }> = [];
  /** Clauses with another form that no index can serve (same meaning, own params): see `unindexed()`. */
  private readonly plain = new Map<number, { clause: string; params: unknown[] }>();
  /** Adds `clause` with its params, remembering `plainForm` and its params for `unindexed()`. */
  addWithPlainForm(clause: string, params: unknown[], plainForm: string, plainParams: unknown[]): this {
    this.plain.set(this.parts.length, { clause: plainForm, params: plainParams });
    return this.add(clause, ...params);
  }
  /**
   * Set when a clause cannot use any index (a search term too short for trigrams): counting then
   * reads every row, so even a small count is worth caching until the next write.
   */
  scans = false;
  get hasPlainForms(): boolean {
    return this.plain.size > 0;
  }
  /**
   * Set when a clause restricts the rows to one owner through a column that leads an index per
   * ordering (`(owner, ordering key, id)`, see visibility.ts): a page then reads that owner's rows
   * along the index, in order, and never needs a walk over everyone's rows.
   */
  keyed = false;
  /**
   * A keyed clause that is an `or` of owners (a commercial's tâches: assigned to them, or on their
   * clients): the part's index and its branches, each served by its own index. A page
   * reads each branch in order and merges them (see runList).
   */
  branches?: { part: number; alts: Array<{ clause: string; params: unknown[] }> };
  /** Adds `clause` as a keyed restriction (see `keyed`), with the `alts` it is the `or` of, if any. */
  addKey(clause: string, params: unknown[], alts?: Array<{ clause: string; params: unknown[] }>): this {
    this.keyed = true;
    if (alts) this.branches = { part: this.parts.length, alts };
    return this.add(clause, ...params);
  }
  /**
   * Set when a clause restricts the rows to the children of one parent (a client's tâches, an
   * opportunité's devis): usually a handful, so a page is collected, counted and read in one
   * statement (see runList).
   */
  narrow = false;
  /** Adds `clause` as a restriction to one parent's children (see `narrow`). */
  addNarrow(clause: string, ...params: unknown[]): this {
    this.narrow = true;
    return this.add(clause, ...params);
  }
  /**
   * Clauses an index serves in the order of `column` (a range of that column, or an equality on a
   * column leading an index `(that column, column, id)`): a bounded walk along `column` applies them
   * inside, where the index starts it at the first match, instead of testing them on the first rows
   * of the whole table (see boundedWalk in services/listing.ts).
   */
  readonly walkable: Array<{ column: string; clause: string; params: unknown[] }> = [];
  /** Adds `clause` (see `walkable`). */
  addWalkable(clause: string, params: unknown[], column: string): this {
    this.walkable.push({ column, clause, params });
    return this.add(clause, ...params);
  }
  /**
   * The same `where` with the plain forms: a search matching many rows is then read by walking the
   * ordering's index and testing each row (a few dozen rows for a page), instead of the planner
   * collecting every match through the trigram index and sorting them.
   */
  unindexed(skip?: number): { text: string; params: unknown[] } {
    const params: unknown[] = [];
    let at = 0;
    const parts: string[] = [];
    this.parts.forEach((p, i) => {
      const own = this.params.slice(at, at + this.counts[i]);
      at += this.counts[i];
      if (i === skip) return;
      const alt = this.plain.get(i);
      params.push(...(alt ? alt.params : own));
      parts.push(alt ? alt.clause : p);
    });
    return { text: parts.length ? `where ${parts.join(' and ')}` : '', params };
  }
}

/** `?ordering=-field` → SQL order by, through a whitelist of columns; always ends on id for stable pages. */
export function orderBy(ordering: string | undefined, columns: Record<string, string>, fallback: string): string {
  if (!ordering) return `order by ${fallback}`;
  const desc = ordering.startsWith('-');
  const col = columns[desc ? ordering.slice(1) : ordering];
  if (!col) return `order by ${fallback}`;
  return `order by ${col} ${desc ? 'desc' : 'asc'}, id ${desc ? 'desc' : 'asc'}`;
}

/** `%search%` with LIKE's wildcards escaped (`%` and `_` literal). */
export function searchPattern(search: string | readonly string[]): string {
  const parts = typeof search === 'string' ? [search] : search;
  return `%${parts.map((p) => p.replace(/[\\%_]/g, (c) => `\\${c}`)).join('%')}%`;
}

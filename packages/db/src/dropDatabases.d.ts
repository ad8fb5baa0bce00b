import type pg from 'pg';

/** See dropDatabases.js. */
export declare function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T>;
export declare function dropDatabases(adminUrl: string, tag: string, extra?: readonly string[]): Promise<void>;

/** See dropDatabases.js. */
export declare function dropDatabases(adminUrl: string, tag: string, extra?: readonly string[]): Promise<void>;

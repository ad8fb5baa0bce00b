// autocannon ships no types; the bench uses a small part of its API (see load.ts).
declare module 'autocannon';

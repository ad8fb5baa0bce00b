/**
 * `@crm/shared/labels`: choice codes, their French labels and small pure helpers, without zod or
 * libphonenumber. What the web's first load imports (menu, dashboard, badges, search); the schemas
 * stay in `@crm/shared` for the API and the pages that need them. labels.test.ts keeps it so.
 */
export * from './choices.js';
export * from './choicesMemory.js';
export * from './rechercheChoices.js';
export * from './rapportsChoices.js';
export * from './integrationsChoices.js';
export * from './devisTotals.js';

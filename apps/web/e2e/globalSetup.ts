import setupTemplateDatabase from '@crm/api/testing/global-setup';

/**
 * The run's migrated template database (each file's database is a copy of it). Each test worker
 * launches its own chromium (browser.ts).
 */
export default setupTemplateDatabase;

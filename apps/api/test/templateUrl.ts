import { TEST_ADMIN_URL, TEST_TEMPLATE_ENV } from '@crm/db';

/** The URL of the run's template database (its name is in the environment the global setup set). */
export function testTemplateDatabaseUrl(): string {
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${process.env[TEST_TEMPLATE_ENV]}`;
  return url.toString();
}

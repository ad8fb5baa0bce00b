/**
 * Lists clients matching a search, through the typed client.
 *
 *   CRM_URL=http://127.0.0.1:3000 CRM_USERNAME=admin CRM_PASSWORD='…' \
 *     pnpm --filter @crm/client exec tsx examples/list-clients.ts dupont
 */
import { CrmApiError, createCrmClient, isCrmError } from '../src/index.js';

const crm = createCrmClient({ baseUrl: process.env.CRM_URL ?? 'http://127.0.0.1:3000' });

try {
  const me = await crm.login(process.env.CRM_USERNAME ?? 'admin', process.env.CRM_PASSWORD ?? '');
  console.log(`connecté : ${me.username} (${me.role})`);
  const page = await crm.clients.list.query({ search: process.argv[2], pageSize: 10, ordering: 'nom' });
  console.log(`${page.count} client(s)`);
  for (const c of page.results) console.log(`#${c.id}  ${c.nom}  ${c.societe}  ${c.email ?? ''}`);
  await crm.logout();
} catch (err) {
  if (isCrmError(err))
    console.error(`${err.data?.httpStatus} ${err.data?.code}: ${err.message}`, err.data?.fieldErrors ?? {});
  else if (err instanceof CrmApiError) console.error(`${err.status} ${err.code}: ${err.message}`);
  else console.error(err);
  process.exitCode = 1;
}

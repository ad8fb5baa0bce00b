import { parseArgs } from 'node:util';
import { initOrm, migrate } from '@crm/db';
import { passwordSchema } from '@crm/shared';
import { resolveDatabase } from '../database.js';
import { hashPassword } from '../auth/passwords.js';
import { sql } from '../lib/sql/runner.js';

/**
 * Creates (or resets the password of) an admin user:
 *   pnpm create-admin --username admin --email admin@example.fr --password '…'
 * The password may also come from CRM_ADMIN_PASSWORD.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      username: { type: 'string', default: 'admin' },
      email: { type: 'string', default: '' },
      password: { type: 'string' },
    },
  });
  const password = values.password ?? process.env.CRM_ADMIN_PASSWORD;
  const username = values.username!;
  const check = passwordSchema.safeParse(password);
  if (!password || !check.success || password.toLowerCase() === username.toLowerCase()) {
    console.error(
      'Mot de passe requis : au moins 10 caractères, pas uniquement des chiffres, différent du nom (--password ou CRM_ADMIN_PASSWORD).',
    );
    process.exit(2);
  }
  const db = await resolveDatabase();
  const orm = await initOrm({ databaseUrl: db.url, poolMax: 2 });
  try {
    await migrate(orm);
    const [row] = await sql(
      orm.em.fork(),
      `insert into users (username, email, password_hash, role, first_name, last_name)
      values (?, ?, ?, 'admin', 'Admin', '') on conflict (lower(username)) do update
      set password_hash = excluded.password_hash, role = 'admin', is_active = true, date_modification = now() returning id`,
      [username, values.email ?? '', await hashPassword(password)],
    );
    console.log(`Administrateur « ${username} » prêt (id ${row.id}).`);
  } finally {
    await orm.close(true);
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

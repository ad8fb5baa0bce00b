import { Migration } from '@mikro-orm/migrations';

/**
 * Devis numbers past 99 999 in a year kept only five digits (`lpad` truncates longer text), so the
 * 100 000th devis got D<year>-10000 and collided with the 10 000th. Five digits stay the minimum
 * width; longer counters keep every digit (the column's check already allows them).
 */
export class Migration20261206172000_devis_numero_digits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create or replace function devis_numero_pour(p_opportunite int, p_date timestamptz) returns varchar language plpgsql as $$
declare
  v_numero varchar;
  v_annee int;
  v_n int;
begin
  select d.numero into v_numero from devis d where d.opportunite_id = p_opportunite order by d.version limit 1;
  if v_numero is not null then
    return v_numero;
  end if;
  v_annee := extract(year from p_date at time zone 'Europe/Paris')::int;
  insert into devis_compteurs as c (annee, dernier) values (v_annee, 1)
    on conflict (annee) do update set dernier = c.dernier + 1
    returning c.dernier into v_n;
  return 'D' || v_annee || '-' || lpad(v_n::text, greatest(5, length(v_n::text)), '0');
end
$$;`);
  }

  override async down(): Promise<void> {
    // The truncating version is not restored: it collides past 99 999 devis a year.
  }
}

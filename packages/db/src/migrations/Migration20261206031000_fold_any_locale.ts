import { Migration } from '@mikro-orm/migrations';

/** Latin letters with diacritics (Latin-1 Supplement and Latin Extended-A, both cases) and their base letter. */
const ACCENTED =
  'ÀÁÂÃÄÅĀĂĄàáâãäåāăąÇĆĈĊČçćĉċčĎĐďđÈÉÊËĒĔĖĘĚèéêëēĕėęěĜĞĠĢĝğġģĤĦĥħÌÍÎÏĨĪĬĮİìíîïĩīĭįıĴĵĶķĹĻĽĿŁĺļľŀłÑŃŅŇñńņňÒÓÔÕÖØŌŎŐòóôõöøōŏőŔŖŘŕŗřŚŜŞŠśŝşšŢŤŦţťŧÙÚÛÜŨŪŬŮŰŲùúûüũūŭůűųŴŵÝŸŶýÿŷŹŻŽźżžÐðÞþ';
const BASE =
  'AAAAAAAAAaaaaaaaaaCCCCCcccccDDddEEEEEEEEEeeeeeeeeeGGGGggggHHhhIIIIIIIIIiiiiiiiiiJjKkLLLLLlllllNNNNnnnnOOOOOOOOOoooooooooRRRrrrSSSSssssTTTtttUUUUUUUUUUuuuuuuuuuuWwYYYyyyZZZzzzDdTt';

/**
 * `crm_fold()` (accent- and case-insensitive search, ordering by title) gave different answers
 * depending on the database's locale: `lower()` follows it, and the embedded PostgreSQL of
 * `pnpm start` was initialised with the C locale, where `lower('É')` is 'É' — so « élan » did not
 * find « Élan » there while the CI's C.UTF-8 server did. Now the accents are removed before
 * lowering, for both cases, so Latin text folds the same under any locale; the remaining
 * `lower()` uses the locale-independent built-in `pg_c_utf8` collation where the server has it
 * (PostgreSQL 17+, the embedded one), else the database's (Unicode-aware on a UTF-8 locale).
 * No extension needed (`unaccent` is neither immutable nor always installed).
 * The expression indexes built on the old definition are rebuilt.
 */
export class Migration20261206031000_fold_any_locale extends Migration {
  override async up(): Promise<void> {
    if (ACCENTED.length !== BASE.length) throw new Error('crm_fold: translation tables differ in length');
    this.addSql(`
do $do$
declare
  collate_clause text := case when exists (select 1 from pg_collation where collname = 'pg_c_utf8') then ' collate pg_c_utf8' else '' end;
  ix regclass;
begin
  -- One expression (no FROM), so that PostgreSQL keeps inlining the function into queries.
  execute format($f$
create or replace function crm_fold(t text) returns text language sql immutable parallel safe as $body$
  select lower(replace(replace(replace(replace(replace(translate(coalesce(t, ''), %L, %L),
    'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae'), 'ß', 'ss')%s)
$body$
$f$, '${ACCENTED}', '${BASE}', collate_clause);
  for ix in select indexrelid::regclass from pg_index where pg_get_indexdef(indexrelid) like '%crm_fold(%' loop
    execute format('reindex index %s', ix);
  end loop;
end
$do$;`);
  }

  override async down(): Promise<void> {
    // The previous definition (lowercase accents only) stays correct on UTF-8 locales.
    this.addSql(`
create or replace function crm_fold(t text) returns text language sql immutable parallel safe as $$
  select replace(replace(translate(lower(coalesce(t, '')),
    'àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźžż',
    'aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrsssstuuuuuuuuyyzzz'), 'œ', 'oe'), 'æ', 'ae')
$$;`);
    this.addSql(`do $$ declare ix regclass; begin
  for ix in select indexrelid::regclass from pg_index where pg_get_indexdef(indexrelid) like '%crm_fold(%' loop
    execute format('reindex index %s', ix);
  end loop;
end $$;`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/** The translation table of `crm_fold()` (Migration20261206031000_fold_any_locale), unchanged. */
const ACCENTED =
  'ÀÁÂÃÄÅĀĂĄàáâãäåāăąÇĆĈĊČçćĉċčĎĐďđÈÉÊËĒĔĖĘĚèéêëēĕėęěĜĞĠĢĝğġģĤĦĥħÌÍÎÏĨĪĬĮİìíîïĩīĭįıĴĵĶķĹĻĽĿŁĺļľŀłÑŃŅŇñńņňÒÓÔÕÖØŌŎŐòóôõöøōŏőŔŖŘŕŗřŚŜŞŠśŝşšŢŤŦţťŧÙÚÛÜŨŪŬŮŰŲùúûüũūŭůűųŴŵÝŸŶýÿŷŹŻŽźżžÐðÞþ';
const BASE =
  'AAAAAAAAAaaaaaaaaaCCCCCcccccDDddEEEEEEEEEeeeeeeeeeGGGGggggHHhhIIIIIIIIIiiiiiiiiiJjKkLLLLLlllllNNNNnnnnOOOOOOOOOoooooooooRRRrrrSSSSssssTTTtttUUUUUUUUUUuuuuuuuuuuWwYYYyyyZZZzzzDdTt';
/** The accents of most French text, then those of the rest of Latin-1 that names often carry. */
const FRENCH = 'éèêàâçôîûÉÈÊÀÂÇ';
const LATIN1 = 'ëäïöüùÿËÄÏÖÜÙŸáíñóúãõåÁÍÑÓÚÃÕÅìòÌÒ';

function baseOf(chars: string): string {
  const map = new Map([...ACCENTED].map((c, i) => [c, BASE[i]]));
  return [...chars]
    .map((c) => {
      const b = map.get(c);
      if (!b) throw new Error(`crm_fold: ${c} is not in the translation table`);
      return b;
    })
    .join('');
}

/**
 * `crm_fold()` gives the same results, faster. `translate()` compares each character of its input
 * with every character of its 210-character table, so folding cost about 300 ns per character:
 * 13 µs for a tâche's titre and description, and 45 % of the CPU of the 10× bench seed (the stored
 * `recherche` columns and the expression indexes fold every row). Most text is plain ASCII or
 * carries only the common French accents, so the function now tests that first (a regular
 * expression over one character class, about 0.3 µs) and then lowers the text as it is, or
 * translates it with a table of 15 or 36 characters. Anything else takes the full path as before.
 * Each branch gives exactly what the full path gives for the text it accepts (its table is taken
 * from the full one, and ASCII is untouched by the translation and the ligature replacements), so
 * the stored columns and indexes stay valid and nothing is rebuilt. Still one expression, so
 * PostgreSQL still inlines it.
 */
/**
 * SQL defining `crm_fold()` as `body` (a `format()` string whose `%s`s take the `lower()` collation
 * clause, `pg_c_utf8` where the server has it) with `args` (SQL literals and `c`, the clause).
 */
const defineFold = (body: string, args: string) => `
do $do$
declare
  c text := case when exists (select 1 from pg_collation where collname = 'pg_c_utf8') then ' collate pg_c_utf8' else '' end;
begin
  execute format($f$
create or replace function crm_fold(t text) returns text language sql immutable parallel safe as $body$
${body}
$body$
$f$, ${args});
end
$do$;`;

export class Migration20261207080000_fold_fast_paths extends Migration {
  override async up(): Promise<void> {
    if (ACCENTED.length !== BASE.length) throw new Error('crm_fold: translation tables differ in length');
    this.addSql(
      defineFold(
        `  select case
    when t ~ '^[\\x01-\\x7f]*$' then lower(t%s)
    when t ~ '^[\\x01-\\x7f%s]*$' then lower(translate(t, %L, %L)%s)
    when t ~ '^[\\x01-\\x7f%s%s]*$' then lower(translate(t, %L, %L)%s)
    else lower(replace(replace(replace(replace(replace(translate(coalesce(t, ''), %L, %L),
      'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae'), 'ß', 'ss')%s)
  end`,
        `c,
  '${FRENCH}', '${FRENCH}', '${baseOf(FRENCH)}', c,
  '${FRENCH}', '${LATIN1}', '${FRENCH}${LATIN1}', '${baseOf(FRENCH)}${baseOf(LATIN1)}', c,
  '${ACCENTED}', '${BASE}', c`,
      ),
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      defineFold(
        `  select lower(replace(replace(replace(replace(replace(translate(coalesce(t, ''), %L, %L),
    'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae'), 'ß', 'ss')%s)`,
        `'${ACCENTED}', '${BASE}', c`,
      ),
    );
  }
}

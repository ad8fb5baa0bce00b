/**
 * The database's `crm_fold()` in JS (its translation table, ligatures, then lower case), so that a
 * search term reaches SQL already folded: `recherche like ?` with a folded pattern instead of
 * `like crm_fold(?)`. PostgreSQL evaluates an immutable SQL function on a constant while planning,
 * and for a SQL-language function that means parsing and planning its body on every call: a global
 * search spent about 5 of its 9 ms of database time planning those calls. Kept equal to the SQL
 * function character by character by test/fold.test.ts (against the real database).
 */
const ACCENTED =
  'ÀÁÂÃÄÅĀĂĄàáâãäåāăąÇĆĈĊČçćĉċčĎĐďđÈÉÊËĒĔĖĘĚèéêëēĕėęěĜĞĠĢĝğġģĤĦĥħÌÍÎÏĨĪĬĮİìíîïĩīĭįıĴĵĶķĹĻĽĿŁĺļľŀłÑŃŅŇñńņňÒÓÔÕÖØŌŎŐòóôõöøōŏőŔŖŘŕŗřŚŜŞŠśŝşšŢŤŦţťŧÙÚÛÜŨŪŬŮŰŲùúûüũūŭůűųŴŵÝŸŶýÿŷŹŻŽźżžÐðÞþ';
const BASE =
  'AAAAAAAAAaaaaaaaaaCCCCCcccccDDddEEEEEEEEEeeeeeeeeeGGGGggggHHhhIIIIIIIIIiiiiiiiiiJjKkLLLLLlllllNNNNnnnnOOOOOOOOOoooooooooRRRrrrSSSSssssTTTtttUUUUUUUUUUuuuuuuuuuuWwYYYyyyZZZzzzDdTt';
const FOLD = new Map([...ACCENTED].map((c, i) => [c, BASE[i]]));
const LIGATURES: Record<string, string> = { œ: 'oe', Œ: 'oe', æ: 'ae', Æ: 'ae', ß: 'ss' };

/**
 * Folds `s` as `crm_fold(s)` does. Lower case is taken character by character, as PostgreSQL's
 * `lower()` does (simple case mapping: no context rule such as JS's final sigma, no expansion).
 */
export function crmFold(s: string): string {
  let out = '';
  for (const c of s) {
    const base = FOLD.get(c) ?? LIGATURES[c] ?? c;
    const low = base.toLowerCase();
    // JS's full mapping may expand a character (none of the Latin ones, which are translated
    // first); PostgreSQL keeps such a character as it is.
    out += [...low].length === 1 ? low : base;
  }
  return out;
}

/**
 * The weighted value of an opportunity (montant × probabilité, to the cent), in SQL: one definition
 * for the opportunity itself, the client's pipeline, the dashboard, the reports and the board.
 */

/** In numeric, rounded to the cent (as on the opportunity itself). `o`: the opportunites alias. */
export const VALEUR_PONDEREE_SQL = (o: string) => `round(${o}.montant * ${o}.probabilite / 100.0, 2)`;

/**
 * The same in integer cents, from `montant_centimes` (generated column, `montant * 100`):
 * round(m * p / 100) half away from zero, exactly `VALEUR_PONDEREE_SQL` × 100 since montant >= 0
 * and 0 <= probabilite <= 100 (check constraints), in bigint arithmetic.
 */
export const VALEUR_PONDEREE_CENTIMES_SQL = (o: string) => `(${o}.montant_centimes * ${o}.probabilite + 50) / 100`;

import { clientLotInput, lotOutput, opportuniteLotInput, projetLotInput, tacheLotInput } from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { lotClients, lotOpportunites, lotProjets, lotTaches } from '../services/lots.js';

const DESCRIPTION =
  'Action groupée sur `ids` (au plus 1000) ou sur toutes les lignes correspondant à `filtres` (les filtres et `search` de la liste), ' +
  'jamais les deux. Une seule transaction, journalisée. Réponse : nombre de lignes demandées, modifiées, déjà dans l’état voulu ' +
  '(`inchanges`) et refusées avec leur raison (`introuvable` : inexistante ou non visible ; `a_des_dependances` : même règle 409 ' +
  'qu’une suppression unitaire). `supprimer` : admin ou manager (403 sinon).';

const meta = (path: `/${string}`, summary: string, actions: string) => ({
  openapi: {
    method: 'POST' as const,
    path,
    tags: [path.split('/')[1]],
    summary,
    description: `${DESCRIPTION} Actions : ${actions}.`,
  },
});

export const lotsRouter = router({
  clients: authedProcedure
    .meta(
      meta(
        '/clients/lot/',
        'Action groupée sur des clients',
        '`reassigner` (`responsable`), `ajouter_tache` (`tache`), `supprimer` (`cascade` : admin)',
      ),
    )
    .input(clientLotInput)
    .output(lotOutput)
    .mutation(({ ctx, input }) => lotClients(ctx.em, ctx, input)),

  opportunites: authedProcedure
    .meta(
      meta(
        '/opportunites/lot/',
        'Action groupée sur des opportunités',
        '`reassigner` (`responsable`), `changer_etape` (`etape`, `resultat` pour `conclusion` ; en fin de colonne), `ajouter_tache` (`tache`), `supprimer`',
      ),
    )
    .input(opportuniteLotInput)
    .output(lotOutput)
    .mutation(({ ctx, input }) => lotOpportunites(ctx.em, ctx, input)),

  projets: authedProcedure
    .meta(
      meta(
        '/projets/lot/',
        'Action groupée sur des projets',
        '`changer_statut` (`statut`), `ajouter_tache` (`tache`), `supprimer`',
      ),
    )
    .input(projetLotInput)
    .output(lotOutput)
    .mutation(({ ctx, input }) => lotProjets(ctx.em, ctx, input)),

  taches: authedProcedure
    .meta(
      meta(
        '/taches/lot/',
        'Action groupée sur des tâches',
        '`reassigner` (`assigneA`), `changer_statut` (`statut` ; en fin de colonne), `changer_priorite` (`priorite`), `supprimer`',
      ),
    )
    .input(tacheLotInput)
    .output(lotOutput)
    .mutation(({ ctx, input }) => lotTaches(ctx.em, ctx, input)),
});

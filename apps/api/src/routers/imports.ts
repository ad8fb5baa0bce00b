import {
  idParam,
  importListInput,
  importOutput,
  importPatchInput,
  importResumeOutput,
  importValiderInput,
  paginated,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { getImport, listImports, patchImport, validerImport } from '../services/imports/index.js';

const tags = ['imports'];

/**
 * Imports after the upload (`POST /api/imports/`, a multipart plain route: routes/imports.ts).
 * The author of an import, admins and managers see it; anyone else gets 404.
 */
export const importsRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/imports/',
        tags,
        summary: 'Les imports de l’appelant, le plus récent d’abord',
        description:
          'Réponse paginée `{ count, page, pageSize, results }` (`?page=`, `?pageSize=` jusqu’à 100), le plus récent d’abord : ' +
          'état, comptes de l’analyse, progression, résultat et rapport des lignes rejetées de chaque import (sans ' +
          'l’aperçu ni les colonnes : voir `GET /api/imports/{id}/`). Un commercial voit ses imports ; les administrateurs ' +
          'et managers, tous. Filtres `ressource`, `statut` ; `search` sur le nom du fichier.',
      },
    })
    .input(importListInput)
    .output(paginated(importResumeOutput))
    .query(({ ctx, input }) => listImports(ctx.em, ctx.user, input, ctx.lang)),

  get: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/imports/{id}/',
        tags,
        summary: 'Un import : correspondance, aperçu, doublons, progression, résultat',
        description:
          'La correspondance des colonnes (proposée d’après les en-têtes, puis celle choisie), l’aperçu des premières lignes avec ' +
          'leurs erreurs par champ et leurs doublons, les comptes de l’analyse, la progression pendant l’import (`faits` / `total`, ' +
          'à interroger toutes les secondes) et le résultat. Statut `analyse` : les lignes sont en cours de vérification ' +
          '(aperçu vide) ; à interroger jusqu’à `pret`. 404 si l’import n’existe pas ou n’est pas celui de l’appelant ' +
          '(un commercial ne voit que ses imports).',
      },
    })
    .input(idParam)
    .output(importOutput)
    .query(({ ctx, input }) => getImport(ctx.em, ctx.user, input.id, ctx.lang)),

  patch: authedProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/imports/{id}/',
        tags,
        summary: 'Changer la correspondance des colonnes (nouvelle analyse)',
        description:
          'Un champ (ou `null`) par colonne du fichier ; chaque champ une fois au plus. Toutes les lignes sont analysées à nouveau, ' +
          'en arrière-plan : l’import repasse au statut `analyse` (aperçu vide) jusqu’à `pret`.',
      },
      errors: { 409: 'L’import a déjà été lancé' },
    })
    .input(importPatchInput)
    .output(importOutput)
    .mutation(({ ctx, input }) => patchImport(ctx.em, ctx.user, input.id, input.mapping, ctx.lang)),

  valider: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/imports/{id}/valider/',
        tags,
        summary: 'Lancer l’import',
        description:
          'Correspondance facultative (sinon l’actuelle ; tous les champs obligatoires doivent avoir une colonne), politique des ' +
          'doublons (`ignorer`, `mettre_a_jour`, `creer`) et mode (`tout_ou_rien`, `valides`). Possible dès le statut `analyse` : ' +
          'les lignes sont de toute façon analysées à nouveau au lancement. L’import s’exécute en arrière-plan, ' +
          'dans une seule transaction : suivre `progression` par `GET /api/imports/{id}/` jusqu’au statut `termine` ou `echoue`. ' +
          'Les enregistrements importés par un commercial sont les siens (responsable, tâches assignées).',
      },
      errors: { 409: 'L’import a déjà été lancé' },
    })
    .input(importValiderInput)
    .output(importOutput)
    .mutation(({ ctx, input }) => validerImport(ctx.em, ctx.user, input, ctx.lang)),
});

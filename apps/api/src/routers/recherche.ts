import { rechercheInput, rechercheOutput } from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { recherche } from '../services/recherche.js';

const tags = ['recherche'];

export const rechercheRouter = router({
  search: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/recherche/',
        tags,
        summary: 'Recherche globale (clients, contacts, opportunités, projets, tâches, devis), groupée par type',
        description:
          'Insensible aux accents et à la casse, par préfixe ou sous-chaîne (« lef » trouve Lefèvre) ; chaque mot doit ' +
          'apparaître. Classement : titre qui commence par la recherche, puis un mot du titre, puis le reste ; les plus ' +
          'récents d’abord. Au plus `limite` résultats par type (5 par défaut, 20 au plus), limités à ce que l’appelant ' +
          'peut voir. Une recherche de moins de 3 caractères ne cherche que les numéros (devis n° 12 : `12`, `D12`). ' +
          'Les contacts sont cherchés par nom et e-mail, visibles comme leur client (`client` : le client à ouvrir). ' +
          'Seuls les types cherchés figurent dans `groupes`.',
      },
    })
    .input(rechercheInput)
    .output(rechercheOutput)
    .query(({ ctx, input }) => recherche(ctx.em, ctx.user, input)),
});

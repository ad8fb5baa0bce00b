import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';

/** Warns while the seller printed on devis (COMPANY_* settings) is still the placeholder. */
export function EntrepriseAConfigurer() {
  const trpc = useTRPC();
  const entreprise = useQuery({ ...trpc.entreprise.get.queryOptions(), staleTime: 5 * 60_000 });
  if (!entreprise.data?.aConfigurer) return null;
  return (
    <div className="alert alert--info" role="status">
      Les coordonnées de votre entreprise sur les devis sont encore celles par défaut (« {entreprise.data.nom} »).
      Renseignez COMPANY_NAME, COMPANY_ADDRESS, COMPANY_CONTACT et COMPANY_LEGAL dans la configuration du serveur avant
      d’envoyer des devis.
    </div>
  );
}

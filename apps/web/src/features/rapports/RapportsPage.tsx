import { useState } from 'react';
import {
  ETAPES,
  LABELS,
  PROJET_STATUTS,
  RAPPORT_LABELS,
  RAPPORTS,
  type ExportFormat,
  type Rapport,
} from '@crm/shared/labels';
import { compact, toId, useListParams } from '../../lib/useListParams';
import { downloadErrorMessage, downloadFile } from '../../lib/download';
import { PageHeader } from '../../components/PageHeader';
import { ListToolbar, SelectFilter, TextFilter } from '../../components/ListToolbar';
import { useNotify } from '../../components/Notifications';
import { RapportView } from './RapportView';
import { PickerFilter } from '../../components/pickers/RecordPicker';

const FORMATS: [ExportFormat, string][] = [
  ['csv', 'CSV'],
  ['xlsx', 'Excel'],
  ['pdf', 'PDF'],
];

/** Which list filters each report accepts (shared/rapports.ts). */
const FILTERS: Record<Rapport, readonly string[]> = {
  clients: ['categorie', 'responsable'],
  projets: ['statut', 'client'],
  opportunites: ['etape', 'client', 'responsable'],
  pipeline: ['client', 'responsable'],
  performances: ['client', 'responsable'],
};

export function RapportsPage() {
  const { values, set } = useListParams(
    ['rapport', 'dateDebut', 'dateFin', 'categorie', 'responsable', 'client', 'statut', 'etape'] as const,
    {
      rapport: 'pipeline',
    },
  );
  const rapport = (RAPPORTS as readonly string[]).includes(values.rapport) ? (values.rapport as Rapport) : 'pipeline';
  const notify = useNotify();
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const allowed = FILTERS[rapport];
  const filtres = compact({
    dateDebut: values.dateDebut,
    dateFin: values.dateFin,
    ...(allowed.includes('categorie') ? { categorie: values.categorie } : {}),
    ...(allowed.includes('responsable') ? { responsable: toId(values.responsable) } : {}),
    ...(allowed.includes('client') ? { client: toId(values.client) } : {}),
    ...(allowed.includes('statut') ? { statut: values.statut } : {}),
    ...(allowed.includes('etape') ? { etape: values.etape } : {}),
  });

  const exportAs = async (format: ExportFormat) => {
    setExporting(format);
    try {
      await downloadFile('/api/rapports/export/', `rapport-${rapport}.${format}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rapport, format, filtres }),
      });
    } catch (e) {
      notify(downloadErrorMessage(e), 'error');
    } finally {
      setExporting(null);
    }
  };

  return (
    <>
      <PageHeader
        title="Rapports"
        subtitle={RAPPORT_LABELS[rapport]}
        actions={
          <div className="btn-group" role="group" aria-label="Exporter le rapport">
            {FORMATS.map(([f, label]) => (
              <button
                key={f}
                type="button"
                className="btn btn--ghost"
                disabled={exporting !== null}
                onClick={() => exportAs(f)}
              >
                {exporting === f ? 'Export…' : `Exporter en ${label}`}
              </button>
            ))}
          </div>
        }
      />
      <ListToolbar>
        <SelectFilter
          label="Rapport"
          value={rapport}
          onChange={(r) => set({ rapport: r })}
          options={RAPPORTS.map((r) => [r, RAPPORT_LABELS[r]] as const)}
          allLabel={null}
        />
        <TextFilter
          label="Créés à partir du"
          type="date"
          value={values.dateDebut}
          onChange={(dateDebut) => set({ dateDebut })}
        />
        <TextFilter label="Jusqu'au" type="date" value={values.dateFin} onChange={(dateFin) => set({ dateFin })} />
        {allowed.includes('categorie') && (
          <TextFilter label="Catégorie" value={values.categorie} onChange={(categorie) => set({ categorie })} />
        )}
        {allowed.includes('statut') && (
          <SelectFilter
            label="Statut"
            value={values.statut}
            onChange={(statut) => set({ statut })}
            options={PROJET_STATUTS.map((s) => [s, LABELS.projetStatut[s]])}
          />
        )}
        {allowed.includes('etape') && (
          <SelectFilter
            label="Étape"
            value={values.etape}
            onChange={(etape) => set({ etape })}
            options={ETAPES.map((e) => [e, LABELS.etape[e]])}
            allLabel="Toutes"
          />
        )}
        {allowed.includes('client') && (
          <PickerFilter kind="client" label="Client" value={values.client} onChange={(client) => set({ client })} />
        )}
        {allowed.includes('responsable') && (
          <PickerFilter
            kind="user"
            label="Responsable"
            value={values.responsable}
            onChange={(responsable) => set({ responsable })}
          />
        )}
      </ListToolbar>
      <RapportView rapport={rapport} filtres={filtres} />
    </>
  );
}

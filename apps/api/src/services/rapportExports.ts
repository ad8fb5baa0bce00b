import {
  LABELS,
  RAPPORT_LABELS,
  type Rapport,
  type RapportClients,
  type RapportOpportunites,
  type RapportPerformances,
  type RapportPipeline,
  type RapportProjets,
} from '@crm/shared';
import type { ReportColumn, ReportDocument, ReportTable } from '../lib/exports.js';
import { formatDate } from '../lib/pdf.js';

/** Reports as tables with French headers, for the CSV / XLSX / PDF exports. */

const col = (key: string, label: string, type: ReportColumn['type'] = 'text', weight = 1): ReportColumn => ({
  key,
  label,
  type,
  weight,
});

const FILTER_LABELS: Record<string, string> = {
  dateDebut: 'Du',
  dateFin: 'Au',
  categorie: 'Catégorie',
  responsable: 'Responsable (id)',
  client: 'Client (id)',
  statut: 'Statut',
  enRetard: 'En retard',
  etape: 'Étape',
  resultat: 'Résultat',
  montantMin: 'Montant min.',
  montantMax: 'Montant max.',
};

function filterLine(filtres: Record<string, unknown>): string {
  const parts = Object.entries(filtres)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => {
      const text =
        (k === 'dateDebut' || k === 'dateFin') && typeof v === 'string'
          ? formatDate(v)
          : typeof v === 'boolean'
            ? v
              ? 'oui'
              : 'non'
            : String(v);
      return `${FILTER_LABELS[k] ?? k} : ${text}`;
    });
  return parts.length ? `Filtres — ${parts.join(' ; ')}` : 'Filtres — aucun';
}

function clientsTables(r: RapportClients): ReportTable[] {
  return [
    {
      titre: 'Synthèse',
      colonnes: [
        col('total', 'Clients', 'int'),
        col('valeurTotale', 'Valeur totale (gagnée)', 'money', 1.5),
        col('pipelinePondere', 'Pipeline pondéré', 'money', 1.5),
      ],
      lignes: [{ total: r.total, valeurTotale: r.valeurTotale, pipelinePondere: r.pipelinePondere }],
    },
    {
      titre: 'Par catégorie',
      colonnes: [
        col('categorie', 'Catégorie', 'text', 2),
        col('nombre', 'Clients', 'int'),
        col('valeurClient', 'Valeur client', 'money', 1.5),
      ],
      lignes: r.parCategorie.map((x) => ({ ...x, categorie: x.categorie || '(sans catégorie)' })),
    },
    {
      titre: 'Par responsable',
      colonnes: [
        col('responsableNom', 'Responsable', 'text', 2),
        col('nombre', 'Clients', 'int'),
        col('valeurClient', 'Valeur client', 'money', 1.5),
      ],
      lignes: r.parResponsable.map((x) => ({
        responsableNom: x.responsableNom ?? '(aucun)',
        nombre: x.nombre,
        valeurClient: x.valeurClient,
      })),
    },
    {
      titre: 'Par mois de création',
      colonnes: [col('mois', 'Mois'), col('nombre', 'Clients', 'int')],
      lignes: r.parMois,
    },
  ];
}

function projetsTables(r: RapportProjets): ReportTable[] {
  return [
    {
      titre: 'Synthèse',
      colonnes: [
        col('total', 'Projets', 'int'),
        col('budgetTotal', 'Budget total', 'money', 1.5),
        col('enRetard', 'En retard', 'int'),
      ],
      lignes: [{ total: r.total, budgetTotal: r.budgetTotal, enRetard: r.enRetard }],
    },
    {
      titre: 'Par statut',
      colonnes: [
        col('statut', 'Statut', 'text', 1.5),
        col('nombre', 'Projets', 'int'),
        col('budget', 'Budget', 'money', 1.5),
      ],
      lignes: r.parStatut.map((x) => ({ ...x, statut: LABELS.projetStatut[x.statut] })),
    },
    {
      titre: 'Par mois de création',
      colonnes: [col('mois', 'Mois'), col('nombre', 'Projets', 'int'), col('budget', 'Budget', 'money', 1.5)],
      lignes: r.parMois,
    },
  ];
}

function opportunitesTables(r: RapportOpportunites): ReportTable[] {
  return [
    {
      titre: 'Synthèse',
      colonnes: [
        col('total', 'Opportunités', 'int'),
        col('montantTotal', 'Montant total', 'money', 1.4),
        col('montantPondere', 'Pondéré (ouvertes)', 'money', 1.4),
        col('gagnees', 'Gagnées', 'int'),
        col('perdues', 'Perdues', 'int'),
        col('tauxConversion', 'Taux de conversion', 'ratio'),
        col('montantGagne', 'Montant gagné', 'money', 1.4),
      ],
      lignes: [
        {
          total: r.total,
          montantTotal: r.montantTotal,
          montantPondere: r.montantPondere,
          gagnees: r.gagnees,
          perdues: r.perdues,
          tauxConversion: r.tauxConversion,
          montantGagne: r.montantGagne,
        },
      ],
    },
    {
      titre: 'Par étape',
      colonnes: [
        col('etape', 'Étape', 'text', 1.5),
        col('nombre', 'Opportunités', 'int'),
        col('montant', 'Montant', 'money', 1.5),
      ],
      lignes: r.parEtape.map((x) => ({ ...x, etape: LABELS.etape[x.etape] })),
    },
    {
      titre: 'Par mois de création',
      colonnes: [col('mois', 'Mois'), col('nombre', 'Opportunités', 'int'), col('montant', 'Montant', 'money', 1.5)],
      lignes: r.parMois,
    },
  ];
}

function pipelineTables(r: RapportPipeline): ReportTable[] {
  const cents = (n: number) => Math.round(n * 100);
  const total = r.reduce(
    (t, x) => ({
      nombre: t.nombre + x.nombre,
      montant: t.montant + cents(x.montant),
      montantPondere: t.montantPondere + cents(x.montantPondere),
    }),
    { nombre: 0, montant: 0, montantPondere: 0 },
  );
  return [
    {
      titre: 'Pipeline par étape',
      colonnes: [
        col('etape', 'Étape', 'text', 1.5),
        col('nombre', 'Opportunités', 'int'),
        col('montant', 'Montant', 'money', 1.5),
        col('montantPondere', 'Montant pondéré', 'money', 1.5),
      ],
      lignes: [
        ...r.map((x) => ({ ...x, etape: LABELS.etape[x.etape] })),
        {
          etape: 'Total',
          nombre: total.nombre,
          montant: total.montant / 100,
          montantPondere: total.montantPondere / 100,
        },
      ],
      avecTotal: true,
    },
  ];
}

function performancesTables(r: RapportPerformances): ReportTable[] {
  return [
    {
      titre: 'Performances par commercial',
      colonnes: [
        col('userNom', 'Commercial', 'text', 2),
        col('gagnees', 'Gagnées', 'int'),
        col('perdues', 'Perdues', 'int'),
        col('tauxConversion', 'Taux de conversion', 'ratio', 1.2),
        col('montantGagne', 'Montant gagné', 'money', 1.5),
        col('tachesTerminees', 'Tâches terminées', 'int', 1.2),
        col('tachesEnRetard', 'Tâches en retard', 'int', 1.2),
      ],
      lignes: r,
    },
  ];
}

export function rapportDocument(
  rapport: Rapport,
  data: RapportClients | RapportProjets | RapportOpportunites | RapportPipeline | RapportPerformances,
  meta: { filtres: Record<string, unknown>; username: string; now?: Date },
): ReportDocument {
  const now = meta.now ?? new Date();
  const tables =
    rapport === 'clients'
      ? clientsTables(data as RapportClients)
      : rapport === 'projets'
        ? projetsTables(data as RapportProjets)
        : rapport === 'opportunites'
          ? opportunitesTables(data as RapportOpportunites)
          : rapport === 'pipeline'
            ? pipelineTables(data as RapportPipeline)
            : performancesTables(data as RapportPerformances);
  const heure = now.toISOString().slice(11, 16);
  return {
    titre: RAPPORT_LABELS[rapport],
    details: [`Généré le ${formatDate(now)} à ${heure} UTC par ${meta.username}`, filterLine(meta.filtres)],
    tables,
  };
}

/** `rapport-pipeline-2026-11-25.xlsx` */
export const exportFilename = (rapport: Rapport, ext: string, now = new Date()) =>
  `rapport-${rapport}-${now.toISOString().slice(0, 10)}.${ext}`;

/**
 * What a third-party integrator writes: a client generated from /api/openapi.json by
 * openapi-typescript (`npx openapi-typescript http://127.0.0.1:3000/api/openapi.json -o api.d.ts`)
 * and openapi-fetch. test/openapi.test.ts generates api.d.ts, type-checks this file with tsc and
 * runs it against the API.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './api.js';

type Devis = components['schemas']['Devis'];

export async function session(baseUrl: string, username: string, password: string, fetch?: typeof globalThis.fetch) {
  const api = createClient<paths>({ baseUrl, fetch });

  const login = await api.POST('/auth/login/', { body: { username, password } });
  if (!login.data) throw new Error(`login: ${login.response.status} ${login.error?.message}`);
  const headers = { Authorization: `Bearer ${login.data.access}` };

  const list = await api.GET('/clients/', {
    params: { query: { page: 1, pageSize: 10, ordering: '-dateCreation' } },
    headers,
  });
  if (!list.data) throw new Error(`clients: ${list.error?.code}`);
  const before: number = list.data.count;

  const created = await api.POST('/clients/', {
    body: { nom: 'Intégrateur SA', email: 'contact@integrateur.fr' },
    headers,
  });
  if (created.response.status !== 201 || !created.data) throw new Error(`create: ${created.error?.fieldErrors}`);
  const client = created.data;

  const patched = await api.PATCH('/clients/{id}/', {
    params: { path: { id: client.id } },
    body: { telephone: '01 23 45 67 89' },
    headers,
  });
  if (!patched.data) throw new Error(`patch: ${patched.error?.message}`);

  const opp = await api.POST('/opportunites/', {
    body: { nom: 'Site vitrine', client: client.id, montant: 8000, probabilite: 40 },
    headers,
  });
  if (!opp.data) throw new Error(`opportunite: ${opp.error?.message}`);
  // No body needed before `conclusion`.
  const advanced = await api.POST('/opportunites/{id}/avancer-etape/', {
    params: { path: { id: opp.data.id } },
    headers,
  });
  if (!advanced.data) throw new Error(`avancer-etape: ${advanced.error?.message}`);

  const devis = await api.POST('/devis/', {
    body: {
      opportunite: opp.data.id,
      lignes: [{ designation: 'Maquettes', quantite: 3, prixUnitaire: 450, tauxTva: 20 }],
    },
    headers,
  });
  if (!devis.data) throw new Error(`devis: ${devis.error?.message}`);
  const d: Devis = devis.data;

  const pdf = await api.GET('/devis/{id}/pdf/', { params: { path: { id: d.id } }, headers, parseAs: 'arrayBuffer' });
  if (!pdf.data) throw new Error(`pdf: ${pdf.response.status}`);

  const logout = await api.POST('/auth/logout/', { headers });
  return {
    before,
    clientId: client.id,
    telephone: patched.data.telephone,
    etape: advanced.data.etape,
    montant: d.montant,
    pdfBytes: new Uint8Array(pdf.data).subarray(0, 5),
    logoutStatus: logout.response.status,
  };
}

// Schemas of the rapports endpoints (issue 4).
export {};

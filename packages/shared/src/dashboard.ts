// Schemas of the dashboard endpoints (issue 4).
export {};

export { User } from './User.js';
export { Session, RefreshToken } from './Session.js';
export { Client } from './Client.js';
export { Projet } from './Projet.js';
export { Opportunite } from './Opportunite.js';
export { Tache } from './Tache.js';
export { Devis, type DevisLigne } from './Devis.js';
export { AuditLog } from './AuditLog.js';
export { ApiKey, CalendarFeed, Setting, Webhook, WebhookDelivery } from './Platform.js';
export { Contact } from './Contact.js';
export { Activite } from './Activite.js';

import { User } from './User.js';
import { Session, RefreshToken } from './Session.js';
import { Client } from './Client.js';
import { Projet } from './Projet.js';
import { Opportunite } from './Opportunite.js';
import { Tache } from './Tache.js';
import { Devis } from './Devis.js';
import { AuditLog } from './AuditLog.js';
import { ApiKey, CalendarFeed, Setting, Webhook, WebhookDelivery } from './Platform.js';
import { Contact } from './Contact.js';
import { Activite } from './Activite.js';

export const allEntities = [
  User,
  Session,
  RefreshToken,
  Client,
  Projet,
  Opportunite,
  Tache,
  Devis,
  AuditLog,
  ApiKey,
  CalendarFeed,
  Setting,
  Webhook,
  WebhookDelivery,
  Contact,
  Activite,
];

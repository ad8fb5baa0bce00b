import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks: subscriptions (`webhooks`) and their delivery log (`webhook_livraisons`).
 *
 * A delivery row is written in the business transaction that causes the event, with the payload
 * frozen then (the REST detail of the record); `cle` names the record (`client:12`) so that one
 * record's events are delivered in order (see apps/api/src/jobs/webhooks.ts). `message_id` is the
 * Standard Webhooks `webhook-id`, the same on every attempt and replay of one message.
 */
export class Migration20261206090100_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table webhooks (
      id serial primary key,
      url varchar(2000) not null,
      description varchar(200) not null default '',
      evenements text[] not null check (cardinality(evenements) > 0),
      secret varchar(100) not null,
      actif boolean not null default true,
      echecs_consecutifs integer not null default 0,
      desactive_le timestamptz null,
      cree_par_id integer not null references users (id),
      date_creation timestamptz not null default now(),
      date_modification timestamptz not null default now()
    );`);
    this.addSql(`create index webhooks_actifs_idx on webhooks using gin (evenements) where actif;`);
    this.addSql(`create table webhook_livraisons (
      id bigserial primary key,
      webhook_id integer not null references webhooks (id) on delete cascade,
      message_id varchar(40) not null,
      evenement varchar(60) not null,
      cle varchar(60) not null,
      payload jsonb not null,
      statut varchar(12) not null default 'en_attente' check (statut in ('en_attente', 'en_cours', 'livre', 'echec')),
      tentatives integer not null default 0,
      code_http integer null,
      derniere_erreur varchar(500) not null default '',
      prochain_essai timestamptz not null default now(),
      verrou timestamptz null,
      date_livraison timestamptz null,
      date_creation timestamptz not null default now()
    );`);
    // Per record, in order: the claim looks for an earlier unfinished delivery of the same record.
    this.addSql(
      `create index webhook_livraisons_cle_idx on webhook_livraisons (webhook_id, cle, id) where statut in ('en_attente', 'en_cours');`,
    );
    this.addSql(`create index webhook_livraisons_log_idx on webhook_livraisons (webhook_id, id desc);`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists webhook_livraisons;');
    this.addSql('drop table if exists webhooks;');
  }
}

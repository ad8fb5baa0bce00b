import { p } from '@mikro-orm/core';

/** Timestamps every domain table carries; the database default covers rows written in raw SQL. */
export const timestamps = {
  dateCreation: p
    .datetime()
    .fieldName('date_creation')
    .onCreate(() => new Date()),
  dateModification: p
    .datetime()
    .fieldName('date_modification')
    .onCreate(() => new Date())
    .onUpdate(() => new Date()),
};

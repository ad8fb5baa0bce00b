import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './common.js';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.integer().primary(),
    username: p.string().length(150),
    email: p.string().length(254).default(''),
    passwordHash: p.text().fieldName('password_hash').hidden(),
    firstName: p.string().length(150).fieldName('first_name').default(''),
    lastName: p.string().length(150).fieldName('last_name').default(''),
    role: p.string().length(20).default('commercial'),
    departement: p.string().length(100).default(''),
    telephone: p.string().length(20).default(''),
    isActive: p.boolean().fieldName('is_active').default(true),
    ...timestamps,
  },
});
export type User = InferEntity<typeof User>;

import { defineConfig } from 'prisma/config';

// `prisma migrate deploy` (on a machine with Prisma's native engine) reads DATABASE_URL from here.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/tripsaga' },
});

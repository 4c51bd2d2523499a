// Prisma CLI configuration. The JS engine with the pg driver adapter is the one setup that
// works without downloading native engines (see DEVELOPERS.md); adapter-pg must be 7.x.
import path from 'node:path'
import { defineConfig } from 'prisma/config'
import { PrismaPg } from '@prisma/adapter-pg'

export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter () {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL ?? 'postgresql://localhost/addonkit' })
  }
})
